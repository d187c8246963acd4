package embed

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/perfgate/perfgate/servers/codebase"
)

// Options tune the HTTP embedders. The zero value uses the defaults.
type Options struct {
	// BatchSize is how many texts go in one request. Default 64.
	BatchSize int
	// Concurrency is how many requests run at once. Default 4.
	Concurrency int
	// MaxRetries is how many times a request that failed with a network
	// error, 429 or a 5xx status is retried. Default 4; negative means none.
	MaxRetries int
	// RetryBase and RetryMax bound the exponential backoff between retries
	// (with full jitter); a Retry-After header is honoured up to RetryMax.
	// Defaults 250ms and 10s.
	RetryBase time.Duration
	RetryMax  time.Duration
	// Client sends the requests. Default: a client with a 2-minute timeout.
	Client *http.Client
	// Logger receives a warning per retry. Default: discard.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.BatchSize <= 0 {
		o.BatchSize = 64
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = 4
	} else if o.MaxRetries < 0 {
		o.MaxRetries = 0
	}
	if o.RetryBase <= 0 {
		o.RetryBase = 250 * time.Millisecond
	}
	if o.RetryMax <= 0 {
		o.RetryMax = 10 * time.Second
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 2 * time.Minute}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// knownDimensions are the dimensions of common embedding models, so that
// Dimension answers before the first call.
var knownDimensions = map[string]int{
	"nomic-embed-text":       768,
	"mxbai-embed-large":      1024,
	"all-minilm":             384,
	"snowflake-arctic-embed": 1024,
	"bge-m3":                 1024,
	"bge-large":              1024,
	"text-embedding-3-small": 1536,
	"text-embedding-3-large": 3072,
	"text-embedding-ada-002": 1536,
}

func knownDimension(model string) int {
	name, _, _ := strings.Cut(model, ":") // ollama tags: "nomic-embed-text:latest"
	return knownDimensions[name]
}

// remote is what the Ollama and OpenAI embedders share: batching, bounded
// concurrency, retries, validation of the answers, and errors that never
// carry the key.
type remote struct {
	provider string // "ollama", "openai"
	model    string
	url      string
	secret   string // scrubbed from every error
	opts     Options
	dim      atomic.Int64
	// request builds the HTTP request for a batch; decode reads a 200 answer.
	request func(ctx context.Context, body []byte) (*http.Request, error)
	body    func(batch []string) ([]byte, error)
	decode  func(data []byte, n int) ([][]float32, error)
	// message extracts the provider's error message from an error body.
	message func(data []byte) string
}

func (r *remote) Model() string { return r.model }

func (r *remote) Dimension() int { return int(r.dim.Load()) }

// Embed embeds texts in batches of Options.BatchSize, Options.Concurrency at
// a time, and returns the vectors in order, or the first error.
func (r *remote) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	if len(texts) == 0 {
		return out, nil
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, r.opts.Concurrency)
	var wg sync.WaitGroup
	for start := 0; start < len(texts); start += r.opts.BatchSize {
		end := min(start+r.opts.BatchSize, len(texts))
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			vecs, err := r.batch(ctx, texts[start:end])
			if err != nil {
				cancel(err)
				return
			}
			copy(out[start:end], vecs)
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	return out, nil
}

// batch sends one batch, retrying what may succeed on a second try.
func (r *remote) batch(ctx context.Context, texts []string) ([][]float32, error) {
	body, err := r.body(texts)
	if err != nil {
		return nil, fmt.Errorf("%s embed: encode request: %w", r.provider, err)
	}
	for attempt := 0; ; attempt++ {
		vecs, retryAfter, err := r.send(ctx, body, len(texts))
		if err == nil {
			return vecs, r.check(vecs)
		}
		var te *transientError
		if !errors.As(err, &te) || ctx.Err() != nil {
			return nil, err
		}
		if attempt >= r.opts.MaxRetries {
			return nil, fmt.Errorf("%w: %s: gave up after %d attempts: %w", codebase.ErrEmbedderUnavailable, r.provider, attempt+1, err)
		}
		wait := r.backoff(attempt, retryAfter)
		r.opts.Logger.WarnContext(ctx, "embedding request failed, retrying",
			"provider", r.provider, "model", r.model, "attempt", attempt+1, "wait", wait, "err", err.Error())
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
	}
}

// transientError marks a failure worth retrying: a network error, 429, 5xx.
type transientError struct{ err error }

func (e *transientError) Error() string { return e.err.Error() }
func (e *transientError) Unwrap() error { return e.err }

// send makes one request. A retryable failure is a *transientError, with the
// server's Retry-After if it sent one.
func (r *remote) send(ctx context.Context, body []byte, n int) ([][]float32, time.Duration, error) {
	req, err := r.request(ctx, body)
	if err != nil {
		return nil, 0, fmt.Errorf("%s embed: %s", r.provider, r.scrub(err.Error()))
	}
	resp, err := r.opts.Client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, 0, context.Cause(ctx)
		}
		return nil, 0, &transientError{fmt.Errorf("%s embed: %s", r.provider, r.scrub(err.Error()))}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, 0, &transientError{fmt.Errorf("%s embed: read response: %s", r.provider, r.scrub(err.Error()))}
	}
	if resp.StatusCode != http.StatusOK {
		msg := r.message(data)
		if msg == "" {
			msg = strings.TrimSpace(string(data[:min(len(data), 200)]))
		}
		err := fmt.Errorf("%s embed: POST %s: %s: %s", r.provider, r.url, resp.Status, r.scrub(msg))
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
			return nil, retryAfter(resp.Header.Get("Retry-After")), &transientError{err}
		}
		return nil, 0, err
	}
	vecs, err := r.decode(data, n)
	if err != nil {
		return nil, 0, fmt.Errorf("%s embed: POST %s: bad response: %w", r.provider, r.url, err)
	}
	if len(vecs) != n {
		return nil, 0, fmt.Errorf("%s embed: POST %s: %d vectors for %d texts", r.provider, r.url, len(vecs), n)
	}
	return vecs, 0, nil
}

// check verifies that every vector has the embedder's dimension, learning it
// from the first answer if it was not known.
func (r *remote) check(vecs [][]float32) error {
	for _, v := range vecs {
		want := r.dim.Load()
		if want == 0 && len(v) > 0 {
			r.dim.CompareAndSwap(0, int64(len(v)))
			want = r.dim.Load()
		}
		if int64(len(v)) != want {
			return fmt.Errorf("%w: %s model %s returned a %d-dimensional vector, want %d",
				codebase.ErrEmbedderMismatch, r.provider, r.model, len(v), want)
		}
	}
	return nil
}

func (r *remote) backoff(attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, r.opts.RetryMax)
	}
	ceil := min(r.opts.RetryBase<<attempt, r.opts.RetryMax)
	return time.Duration(rand.Int64N(int64(ceil)) + 1) // full jitter
}

func retryAfter(h string) time.Duration {
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(h); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// scrub removes the secret from a message.
func (r *remote) scrub(s string) string {
	if r.secret == "" {
		return s
	}
	return strings.ReplaceAll(s, r.secret, "[redacted]")
}

func postJSON(ctx context.Context, url string, body []byte, header http.Header) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	return req, nil
}

// jsonMessage returns the first of the fields that providers use for an
// error message: {"error": "..."} or {"error": {"message": "..."}}.
func jsonMessage(data []byte) string {
	var v struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(data, &v) != nil || len(v.Error) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(v.Error, &s) == nil {
		return s
	}
	var o struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(v.Error, &o) == nil {
		return o.Message
	}
	return ""
}
