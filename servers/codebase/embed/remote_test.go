package embed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perfgate/perfgate/servers/codebase"
)

// fakeVector is what the fake servers answer for a text: its length and the
// code of its first byte, so a test can tell which text a vector is for.
func fakeVector(text string, dim int) []float32 {
	v := make([]float32, dim)
	v[0] = float32(len(text))
	if len(text) > 0 {
		v[1] = float32(text[0])
	}
	return v
}

// fakeServer speaks Ollama's /api/embed and OpenAI's /v1/embeddings. The
// first len(fail) requests get the status in fail (with Retry-After: 0 on
// 429).
type fakeServer struct {
	t        *testing.T
	dim      int
	key      string // expected bearer token for OpenAI, if any
	mu       sync.Mutex
	fail     []int
	requests atomic.Int64
	batches  []int
	body     func(w http.ResponseWriter) bool // optional override
	delay    time.Duration
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := f.requests.Add(1)
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, `{"error":"bad method or content type"}`, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	var status int
	if int(n) <= len(f.fail) {
		status = f.fail[n-1]
	}
	f.mu.Unlock()
	if status != 0 {
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "0")
		}
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":"injected failure %d"}`, status)
		return
	}
	var req struct {
		Model string   `json:"model"`
		Input []string `json:"input"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Model == "" {
		http.Error(w, `{"error":"bad request body"}`, http.StatusBadRequest)
		return
	}
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-r.Context().Done():
			return
		}
	}
	f.mu.Lock()
	f.batches = append(f.batches, len(req.Input))
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/api/embed":
		var resp struct {
			Model      string      `json:"model"`
			Embeddings [][]float32 `json:"embeddings"`
		}
		resp.Model = req.Model
		for _, in := range req.Input {
			resp.Embeddings = append(resp.Embeddings, fakeVector(in, f.dim))
		}
		json.NewEncoder(w).Encode(resp)
	case "/v1/embeddings":
		if f.key != "" && r.Header.Get("Authorization") != "Bearer "+f.key {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error":{"message":"Incorrect API key provided: %s","type":"invalid_request_error","code":"invalid_api_key"}}`, r.Header.Get("Authorization"))
			return
		}
		type item struct {
			Object    string    `json:"object"`
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		}
		var data []item
		for i, in := range req.Input {
			data = append(data, item{"embedding", i, fakeVector(in, f.dim)})
		}
		// Real servers may answer out of order: the index is what counts.
		rand.Shuffle(len(data), func(i, j int) { data[i], data[j] = data[j], data[i] })
		json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": req.Model,
			"usage": map[string]int{"prompt_tokens": 1, "total_tokens": 1}})
	default:
		http.NotFound(w, r)
	}
}

func texts(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = strings.Repeat(string(rune('a'+i%26)), i+1)
	}
	return out
}

var fast = Options{BatchSize: 3, Concurrency: 2, RetryBase: time.Millisecond, RetryMax: 5 * time.Millisecond}

func checkVectors(t *testing.T, in []string, out [][]float32, dim int) {
	t.Helper()
	if len(out) != len(in) {
		t.Fatalf("%d vectors for %d texts", len(out), len(in))
	}
	for i, v := range out {
		want := fakeVector(in[i], dim)
		if len(v) != dim || v[0] != want[0] || v[1] != want[1] {
			t.Errorf("vector %d = %v, want %v", i, v, want)
		}
	}
}

func TestOllama(t *testing.T) {
	t.Parallel()
	fs := &fakeServer{t: t, dim: 4}
	srv := httptest.NewServer(fs)
	defer srv.Close()
	e, err := NewOllama(OllamaConfig{BaseURL: srv.URL + "/", Model: "my-model", Options: fast})
	if err != nil {
		t.Fatal(err)
	}
	if e.Dimension() != 0 || e.Model() != "my-model" {
		t.Errorf("before a call: dimension %d model %q", e.Dimension(), e.Model())
	}
	in := texts(10)
	out, err := e.Embed(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	checkVectors(t, in, out, 4)
	if e.Dimension() != 4 {
		t.Errorf("dimension %d after a call, want 4 learnt", e.Dimension())
	}
	if n := fs.requests.Load(); n != 4 {
		t.Errorf("%d requests for 10 texts in batches of 3, want 4", n)
	}
	if out, err := e.Embed(t.Context(), nil); err != nil || len(out) != 0 {
		t.Errorf("no texts: %v, %v", out, err)
	}
}

func TestRetries(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		fail     []int
		wantReqs int64
		wantErr  error
	}{
		{"500 then success", []int{500}, 2, nil},
		{"429 then 503 then success", []int{429, 503}, 3, nil},
		{"always 502", []int{502, 502, 502, 502, 502}, 3, codebase.ErrEmbedderUnavailable},
		{"400 is not retried", []int{400}, 1, errors.New("400")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := &fakeServer{t: t, dim: 4, fail: tc.fail}
			srv := httptest.NewServer(fs)
			defer srv.Close()
			opts := fast
			opts.MaxRetries = 2
			e, err := NewOllama(OllamaConfig{BaseURL: srv.URL, Model: "m", Options: opts})
			if err != nil {
				t.Fatal(err)
			}
			in := texts(2)
			out, err := e.Embed(t.Context(), in)
			switch {
			case tc.wantErr == nil && err != nil:
				t.Fatalf("error %v", err)
			case tc.wantErr == nil:
				checkVectors(t, in, out, 4)
			case errors.Is(tc.wantErr, codebase.ErrEmbedderUnavailable):
				if !errors.Is(err, codebase.ErrEmbedderUnavailable) || !strings.Contains(err.Error(), "injected failure 502") {
					t.Errorf("error %v, want unavailable with the server's message", err)
				}
			default:
				if err == nil || errors.Is(err, codebase.ErrEmbedderUnavailable) || !strings.Contains(err.Error(), tc.wantErr.Error()) {
					t.Errorf("error %v, want a plain %v", err, tc.wantErr)
				}
			}
			if n := fs.requests.Load(); n != tc.wantReqs {
				t.Errorf("%d requests, want %d", n, tc.wantReqs)
			}
		})
	}
}

func TestEndpointDown(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	opts := fast
	opts.MaxRetries = 2
	for _, e := range []codebase.Embedder{
		must(NewOllama(OllamaConfig{BaseURL: url, Model: "m", Options: opts})),
		must(NewOpenAI(OpenAIConfig{BaseURL: url, Model: "m", APIKey: "sk-secret", Options: opts})),
	} {
		_, err := e.Embed(t.Context(), texts(5))
		if !errors.Is(err, codebase.ErrEmbedderUnavailable) {
			t.Errorf("%T: %v, want ErrEmbedderUnavailable", e, err)
			continue
		}
		if !strings.Contains(err.Error(), "gave up after 3 attempts") || !strings.Contains(err.Error(), "connection refused") {
			t.Errorf("%T: error %q does not say what happened", e, err)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestOpenAI(t *testing.T) {
	t.Parallel()
	fs := &fakeServer{t: t, dim: 1536, key: "sk-test-123", fail: []int{429}}
	srv := httptest.NewServer(fs)
	defer srv.Close()
	// The base URL may carry its /v1, as OPENAI_BASE_URL usually does.
	e, err := NewOpenAI(OpenAIConfig{BaseURL: srv.URL + "/v1", Model: "text-embedding-3-small", APIKey: "sk-test-123", Options: fast})
	if err != nil {
		t.Fatal(err)
	}
	if e.Dimension() != 1536 {
		t.Errorf("dimension %d before a call, want 1536 from the table", e.Dimension())
	}
	in := texts(20)
	out, err := e.Embed(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	checkVectors(t, in, out, 1536)
}

func TestOpenAIKeyNeverInErrors(t *testing.T) {
	t.Parallel()
	fs := &fakeServer{t: t, dim: 4, key: "sk-right"}
	srv := httptest.NewServer(fs)
	defer srv.Close()
	e, err := NewOpenAI(OpenAIConfig{BaseURL: srv.URL, Model: "m", APIKey: "sk-wrong-secret", Options: fast})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Embed(t.Context(), texts(1))
	if err == nil {
		t.Fatal("wrong key accepted")
	}
	if strings.Contains(err.Error(), "sk-wrong-secret") || !strings.Contains(err.Error(), "[redacted]") || !strings.Contains(err.Error(), "401") {
		t.Errorf("error %q: want the 401 and the server's message with the key redacted", err)
	}
	cfg := Config{Provider: ProviderOpenAI, Model: "m", APIKey: "sk-wrong-secret"}
	if s := fmt.Sprint(cfg) + fmt.Sprintf("%+v", cfg); strings.Contains(s, "sk-wrong") {
		t.Errorf("Config prints its key: %s", s)
	}
}

func TestDimensionMismatch(t *testing.T) {
	t.Parallel()
	fs := &fakeServer{t: t, dim: 4}
	srv := httptest.NewServer(fs)
	defer srv.Close()
	e := must(NewOllama(OllamaConfig{BaseURL: srv.URL, Model: "nomic-embed-text", Options: fast}))
	if _, err := e.Embed(t.Context(), texts(2)); !errors.Is(err, codebase.ErrEmbedderMismatch) {
		t.Errorf("4-dim answers from a 768-dim model: %v, want ErrEmbedderMismatch", err)
	}
}

func TestCancel(t *testing.T) {
	t.Parallel()
	fs := &fakeServer{t: t, dim: 4, delay: 10 * time.Second}
	srv := httptest.NewServer(fs)
	defer srv.Close()
	e := must(NewOllama(OllamaConfig{BaseURL: srv.URL, Model: "m", Options: fast}))
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := e.Embed(ctx, texts(10))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want deadline exceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("returned after %v", d)
	}
}

func TestConfig(t *testing.T) {
	t.Parallel()
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	for _, tc := range []struct {
		env     func(string) string
		want    Config
		wantErr string
	}{
		{env(), Config{Provider: "builtin"}, ""},
		{env(EnvProvider, "builtin", EnvDimension, "256"), Config{Provider: "builtin", Dimension: 256}, ""},
		{env(EnvProvider, "Ollama", EnvModel, "nomic-embed-text", EnvOllamaURL, "localhost:11434"),
			Config{Provider: "ollama", Model: "nomic-embed-text", BaseURL: "localhost:11434"}, ""},
		{env(EnvProvider, "openai", EnvModel, "text-embedding-3-small", EnvOpenAIKey, "sk-x"),
			Config{Provider: "openai", Model: "text-embedding-3-small", APIKey: "sk-x"}, ""},
		{env(EnvProvider, "openai"), Config{}, "needs a model"},
		{env(EnvProvider, "bert"), Config{}, "unknown embedder"},
		{env(EnvDimension, "-3"), Config{}, "positive integer"},
	} {
		got, err := ConfigFromEnv(tc.env)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %v, want %q", err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("got %+v, %v; want %+v", got, err, tc.want)
			continue
		}
		e, err := New(got, Options{})
		if err != nil {
			t.Errorf("New(%v): %v", got, err)
			continue
		}
		if want := map[string]string{"builtin": BuiltinModel}[got.Provider]; want != "" && e.Model() != want {
			t.Errorf("model %q", e.Model())
		}
	}
	if _, err := NewOllama(OllamaConfig{BaseURL: "ftp://x", Model: "m"}); err == nil {
		t.Error("ftp base URL accepted")
	}
}
