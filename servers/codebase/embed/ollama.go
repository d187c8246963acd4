package embed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/perfgate/perfgate/servers/codebase"
)

// DefaultOllamaURL is where Ollama listens by default.
const DefaultOllamaURL = "http://127.0.0.1:11434"

// OllamaConfig configures the Ollama embedder.
type OllamaConfig struct {
	// BaseURL of the Ollama server. Default DefaultOllamaURL.
	BaseURL string
	// Model to embed with, such as "nomic-embed-text". Required.
	Model string
	// Dimension of the model's vectors. If 0, it is taken from a table of
	// common models or learnt from the first answer.
	Dimension int
	Options   Options
}

// Ollama embeds with a model served by Ollama: POST {BaseURL}/api/embed with
// {"model", "input": [texts]}, answered by {"embeddings": [[...]]}.
type Ollama struct{ remote }

var _ codebase.Embedder = (*Ollama)(nil)

// NewOllama returns an Ollama embedder. It does not contact the server.
func NewOllama(cfg OllamaConfig) (*Ollama, error) {
	if cfg.Model == "" {
		return nil, errors.New("ollama embedder: no model given")
	}
	base, err := baseURL(cfg.BaseURL, DefaultOllamaURL)
	if err != nil {
		return nil, fmt.Errorf("ollama embedder: %w", err)
	}
	e := &Ollama{remote{provider: "ollama", model: cfg.Model, url: base + "/api/embed", opts: cfg.Options.withDefaults()}}
	e.dim.Store(int64(firstNonZero(cfg.Dimension, knownDimension(cfg.Model))))
	e.request = func(ctx context.Context, body []byte) (*http.Request, error) {
		return postJSON(ctx, e.url, body, nil)
	}
	e.body = func(batch []string) ([]byte, error) {
		return json.Marshal(struct {
			Model string   `json:"model"`
			Input []string `json:"input"`
		}{cfg.Model, batch})
	}
	e.decode = func(data []byte, _ int) ([][]float32, error) {
		var resp struct {
			Embeddings [][]float32 `json:"embeddings"`
		}
		if err := json.Unmarshal(data, &resp); err != nil {
			return nil, err
		}
		return resp.Embeddings, nil
	}
	e.message = jsonMessage
	return e, nil
}

// firstNonZero returns the first non-zero of a and b.
func firstNonZero(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

// baseURL checks a base URL and drops its trailing slash. A bare host:port,
// as OLLAMA_HOST often holds, gets http://.
func baseURL(s, def string) (string, error) {
	if s == "" {
		s = def
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("base URL %q: %w", s, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("base URL %q: want http(s)://host[:port]", s)
	}
	return strings.TrimRight(s, "/"), nil
}
