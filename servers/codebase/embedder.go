package codebase

import "context"

// Embedder turns texts into vectors. Implementations are safe for concurrent
// use.
type Embedder interface {
	// Model identifies the model, such as "builtin-v1" or "nomic-embed-text".
	// An index stores it and refuses vectors from another model.
	Model() string
	// Dimension is the length of every vector Embed returns. It is 0 for an
	// embedder whose dimension is learnt from its first successful call.
	Dimension() int
	// Embed returns one vector per text, in order. It fails as a whole: on
	// error no vector is returned.
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}
