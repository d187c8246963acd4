// Package embed holds the embedders of codebase-mcp, each a
// codebase.Embedder:
//
//   - Builtin (the default): offline and deterministic, no model to
//     download. It hashes what code is made of (identifiers whole and split
//     into words on case, underscores and digits, stemmed words, character
//     trigrams) into a fixed number of dimensions (384 by default), weighted
//     by 1+ln(tf) and L2-normalised. It finds code by the words in its names
//     and comments, not by meaning; it costs microseconds per chunk.
//   - Ollama: a model served by Ollama, POST {base}/api/embed.
//   - OpenAI: any OpenAI-compatible endpoint, POST {base}/v1/embeddings with a
//     bearer key.
//
// The HTTP embedders send Options.BatchSize texts per request,
// Options.Concurrency requests at a time, retry network errors, 429 and 5xx
// with exponential backoff and jitter (honouring Retry-After), stop when the
// context is done, and fail with an error that names the provider, the URL,
// the status and the server's own message, never the key. After the last
// retry the error wraps codebase.ErrEmbedderUnavailable; vectors of the wrong
// length wrap codebase.ErrEmbedderMismatch.
//
// New builds the embedder a Config describes; ConfigFromEnv reads one from
// the environment (CODEBASE_EMBEDDER, CODEBASE_EMBED_MODEL,
// CODEBASE_EMBED_DIMENSION, OLLAMA_HOST, OPENAI_BASE_URL, OPENAI_API_KEY).
//
// Example:
//
//	cfg, err := embed.ConfigFromEnv(os.Getenv) // builtin unless told otherwise
//	if err != nil {
//		return err // says which variable is wrong
//	}
//	e, err := embed.New(cfg, embed.Options{Logger: logger})
//	if err != nil {
//		return err
//	}
//	vectors, err := e.Embed(ctx, []string{"func Parse(r io.Reader) (*File, error)"})
//	if errors.Is(err, codebase.ErrEmbedderUnavailable) {
//		// the endpoint is down: fail the job, keep the old index
//	}
//	// store e.Model() and e.Dimension() with the index
package embed
