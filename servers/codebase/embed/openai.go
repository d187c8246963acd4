package embed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/perfgate/perfgate/servers/codebase"
)

// DefaultOpenAIURL is OpenAI's API.
const DefaultOpenAIURL = "https://api.openai.com"

// OpenAIConfig configures the embedder for OpenAI and compatible servers
// (vLLM, LiteLLM, llama.cpp, LM Studio, text-embeddings-inference...).
type OpenAIConfig struct {
	// BaseURL of the API, with or without its /v1. Default DefaultOpenAIURL.
	BaseURL string
	// Model to embed with, such as "text-embedding-3-small". Required.
	Model string
	// APIKey is sent as a bearer token; empty sends none (local servers). It
	// never appears in an error or a log line.
	APIKey string
	// Dimension of the model's vectors. If 0, it is taken from a table of
	// common models or learnt from the first answer.
	Dimension int
	Options   Options
}

// OpenAI embeds through an OpenAI-compatible API: POST {BaseURL}/v1/embeddings
// with {"model", "input": [texts]}, answered by {"data": [{"index",
// "embedding"}]}, put back in input order by index.
type OpenAI struct{ remote }

var _ codebase.Embedder = (*OpenAI)(nil)

// NewOpenAI returns an OpenAI-compatible embedder. It does not contact the
// server.
func NewOpenAI(cfg OpenAIConfig) (*OpenAI, error) {
	if cfg.Model == "" {
		return nil, errors.New("openai embedder: no model given")
	}
	base, err := baseURL(cfg.BaseURL, DefaultOpenAIURL)
	if err != nil {
		return nil, fmt.Errorf("openai embedder: %w", err)
	}
	base = strings.TrimSuffix(base, "/v1")
	opts := cfg.Options
	if opts.BatchSize == 0 {
		opts.BatchSize = 128
	}
	e := &OpenAI{remote{provider: "openai", model: cfg.Model, url: base + "/v1/embeddings", secret: cfg.APIKey, opts: opts.withDefaults()}}
	e.dim.Store(int64(firstNonZero(cfg.Dimension, knownDimension(cfg.Model))))
	header := http.Header{}
	if cfg.APIKey != "" {
		header.Set("Authorization", "Bearer "+cfg.APIKey)
	}
	e.request = func(ctx context.Context, body []byte) (*http.Request, error) {
		return postJSON(ctx, e.url, body, header)
	}
	e.body = func(batch []string) ([]byte, error) {
		return json.Marshal(struct {
			Model          string   `json:"model"`
			Input          []string `json:"input"`
			EncodingFormat string   `json:"encoding_format"`
		}{cfg.Model, batch, "float"})
	}
	e.decode = func(data []byte, n int) ([][]float32, error) {
		var resp struct {
			Data []struct {
				Index     int       `json:"index"`
				Embedding []float32 `json:"embedding"`
			} `json:"data"`
		}
		if err := json.Unmarshal(data, &resp); err != nil {
			return nil, err
		}
		if len(resp.Data) != n {
			return nil, fmt.Errorf("%d embeddings for %d inputs", len(resp.Data), n)
		}
		out := make([][]float32, n)
		for _, d := range resp.Data {
			if d.Index < 0 || d.Index >= n || out[d.Index] != nil {
				return nil, fmt.Errorf("embedding index %d out of range or repeated", d.Index)
			}
			out[d.Index] = d.Embedding
		}
		return out, nil
	}
	e.message = jsonMessage
	return e, nil
}
