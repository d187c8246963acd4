package tools_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perfgate/perfgate/servers/codebase"
	"github.com/perfgate/perfgate/servers/codebase/embed"
)

// openAIServer is an OpenAI-compatible embeddings endpoint behind an
// httptest.Server: POST /v1/embeddings answered with the builtin
// embedder's vectors, or with 503 while down.
type openAIServer struct {
	*httptest.Server
	down  atomic.Bool
	calls atomic.Int64
}

func newOpenAIServer(t testing.TB) *openAIServer {
	s := &openAIServer{}
	b := embed.NewBuiltin(embed.BuiltinConfig{Dimension: 64})
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.calls.Add(1)
		if r.URL.Path != "/v1/embeddings" || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		if s.down.Load() {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"error":{"message":"model overloaded, try later","type":"server_error"}}`))
			return
		}
		var req struct {
			Model string   `json:"model"`
			Input []string `json:"input"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		vs, err := b.Embed(r.Context(), req.Input)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		type item struct {
			Object    string    `json:"object"`
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		}
		resp := struct {
			Object string `json:"object"`
			Data   []item `json:"data"`
			Model  string `json:"model"`
		}{Object: "list", Model: req.Model}
		for i, v := range vs {
			resp.Data = append(resp.Data, item{Object: "embedding", Index: i, Embedding: v})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
	}))
	t.Cleanup(s.Close)
	return s
}

// embedder returns the openai embedder of the server, retrying little.
func (s *openAIServer) embedder(t testing.TB) codebase.Embedder {
	e, err := embed.NewOpenAI(embed.OpenAIConfig{BaseURL: s.URL, Model: "fake-embed", Dimension: 64,
		Options: embed.Options{MaxRetries: 1, RetryBase: 10 * time.Millisecond, RetryMax: 20 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// gateEmbedder is the builtin embedder made to wait at each call until
// the test lets it through, so that a job can be caught running.
type gateEmbedder struct {
	codebase.Embedder
	entered chan struct{} // receives once per call, when it starts
	mu      sync.Mutex
	open    bool
	gate    chan struct{}
}

var _ codebase.Embedder = (*gateEmbedder)(nil)

func newGateEmbedder() *gateEmbedder {
	return &gateEmbedder{Embedder: embed.NewBuiltin(embed.BuiltinConfig{}), entered: make(chan struct{}, 100), gate: make(chan struct{})}
}

// Embed lets single texts (queries) through at once, and waits for the
// gate with batches.
func (g *gateEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if len(texts) > 1 || texts[0] != "dimension" {
		select {
		case g.entered <- struct{}{}:
		default:
		}
		g.mu.Lock()
		gate, open := g.gate, g.open
		g.mu.Unlock()
		if !open {
			select {
			case <-gate:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
	}
	return g.Embedder.Embed(ctx, texts)
}

// release opens the gate for good.
func (g *gateEmbedder) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.open {
		g.open = true
		close(g.gate)
	}
}
