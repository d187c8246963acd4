package codebase

import "errors"

// Sentinel errors that callers branch on. Implementations wrap them with
// detail, so test with errors.Is.
var (
	// ErrEmbedderMismatch: vectors from one model or dimension were about to
	// be mixed with an index built by another. Re-index with force.
	ErrEmbedderMismatch = errors.New("embedder model or dimension differs from the index")
	// ErrEmbedderUnavailable: the embedding endpoint could not be reached or
	// kept failing after the retries.
	ErrEmbedderUnavailable = errors.New("embedding endpoint unavailable")
	// ErrUnsupportedLanguage: a language the operation does not handle.
	ErrUnsupportedLanguage = errors.New("unsupported language")
)
