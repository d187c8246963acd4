package embed

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/perfgate/perfgate/servers/codebase"
)

// The providers New knows.
const (
	ProviderBuiltin = "builtin"
	ProviderOllama  = "ollama"
	ProviderOpenAI  = "openai"
)

// Config chooses and configures an embedder. The zero value is the builtin
// embedder.
type Config struct {
	// Provider is "builtin" (default), "ollama" or "openai".
	Provider string
	// Model to use; required for ollama and openai.
	Model string
	// BaseURL of the server; the provider's default when empty.
	BaseURL string
	// APIKey for openai. It is redacted when the Config is printed or logged.
	APIKey string
	// Dimension of the vectors: the builtin embedder's size, or the model's
	// when it cannot be looked up.
	Dimension int
}

// The environment variables ConfigFromEnv reads.
const (
	EnvProvider  = "CODEBASE_EMBEDDER"        // builtin | ollama | openai
	EnvModel     = "CODEBASE_EMBED_MODEL"     // the model
	EnvDimension = "CODEBASE_EMBED_DIMENSION" // optional
	EnvOllamaURL = "OLLAMA_HOST"              // Ollama's own variable
	EnvOpenAIURL = "OPENAI_BASE_URL"          // the OpenAI SDKs' variable
	EnvOpenAIKey = "OPENAI_API_KEY"           // the OpenAI SDKs' variable
)

// ConfigFromEnv reads a Config through getenv (os.Getenv in production).
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		Provider: strings.ToLower(strings.TrimSpace(getenv(EnvProvider))),
		Model:    strings.TrimSpace(getenv(EnvModel)),
	}
	if c.Provider == "" {
		c.Provider = ProviderBuiltin
	}
	if d := strings.TrimSpace(getenv(EnvDimension)); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 {
			return Config{}, fmt.Errorf("%s=%q: want a positive integer", EnvDimension, d)
		}
		c.Dimension = n
	}
	switch c.Provider {
	case ProviderOllama:
		c.BaseURL = getenv(EnvOllamaURL)
	case ProviderOpenAI:
		c.BaseURL = getenv(EnvOpenAIURL)
		c.APIKey = getenv(EnvOpenAIKey)
	}
	return c, c.validate()
}

func (c Config) validate() error {
	switch c.Provider {
	case "", ProviderBuiltin:
		return nil
	case ProviderOllama, ProviderOpenAI:
		if c.Model == "" {
			return fmt.Errorf("embedder %s needs a model: set %s (e.g. %s)", c.Provider, EnvModel, map[string]string{
				ProviderOllama: "nomic-embed-text", ProviderOpenAI: "text-embedding-3-small"}[c.Provider])
		}
		return nil
	}
	return fmt.Errorf("unknown embedder %q: want %s, %s or %s", c.Provider, ProviderBuiltin, ProviderOllama, ProviderOpenAI)
}

// String prints the Config with the key redacted.
func (c Config) String() string {
	key := ""
	if c.APIKey != "" {
		key = "[redacted]"
	}
	return fmt.Sprintf("{Provider:%s Model:%s BaseURL:%s APIKey:%s Dimension:%d}", c.Provider, c.Model, c.BaseURL, key, c.Dimension)
}

// LogValue logs the Config with the key redacted.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("provider", c.Provider), slog.String("model", c.Model),
		slog.String("base_url", c.BaseURL), slog.Bool("api_key_set", c.APIKey != ""),
		slog.Int("dimension", c.Dimension))
}

// New returns the embedder a Config describes; opts applies to the HTTP
// embedders.
func New(c Config, opts Options) (codebase.Embedder, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	switch c.Provider {
	case ProviderOllama:
		return NewOllama(OllamaConfig{BaseURL: c.BaseURL, Model: c.Model, Dimension: c.Dimension, Options: opts})
	case ProviderOpenAI:
		return NewOpenAI(OpenAIConfig{BaseURL: c.BaseURL, Model: c.Model, APIKey: c.APIKey, Dimension: c.Dimension, Options: opts})
	}
	return NewBuiltin(BuiltinConfig{Dimension: c.Dimension}), nil
}
