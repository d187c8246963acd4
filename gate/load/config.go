package load

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"
)

// Defaults of a Config: a zero field is replaced by these in
// Config.WithDefaults.
const (
	DefaultClients     = 10
	DefaultDuration    = 10 * time.Second
	DefaultRounds      = 1
	DefaultSeed        = 1
	DefaultCallTimeout = 30 * time.Second
	// DefaultConnectTimeout bounds the first session's initialization,
	// which tells whether the server can be reached at all.
	DefaultConnectTimeout = 10 * time.Second
	// MaxClients bounds Clients: each client is a goroutine, a TCP
	// connection and one histogram per tool.
	MaxClients = 10_000
)

// Config describes one load run. The zero value of each field but URL and
// Scenario takes its default.
type Config struct {
	// URL is the server's streamable HTTP endpoint, e.g.
	// http://127.0.0.1:8732/mcp. Required.
	URL string
	// Scenario picks each call. Required; see NewScenario.
	Scenario Scenario
	// Clients is the number of concurrent MCP client sessions, each with
	// its own HTTP connection (default DefaultClients).
	Clients int
	// Ramp spreads the clients' starts evenly: client i starts its
	// session at i*Ramp/Clients and calls from then on. The ramp is a
	// warm-up, once before the first round: its calls reach the server
	// but are not measured. The first round starts when the ramp is over
	// and every client is past its first attempt to start a session, so
	// that no round measures sessions starting. Zero starts every client
	// at once.
	Ramp time.Duration
	// Duration is the length of one measured round (default
	// DefaultDuration).
	Duration time.Duration
	// Rounds is the number of measured rounds, back to back, every client
	// running throughout (default DefaultRounds). Each round is one sample
	// per tool in the output.
	Rounds int
	// Think is the pause of a client after each call, drawn uniformly from
	// the range. Zero: none.
	Think Range
	// Token is sent as a bearer token when set.
	Token string
	// Seed seeds each client's random source (with the client's index):
	// the sequence of calls and pauses of a client is the same in every
	// run with the same seed (default DefaultSeed).
	Seed uint64
	// CallTimeout bounds one call; a call that takes longer is an error
	// whose latency is the timeout (default DefaultCallTimeout). With it,
	// a run ends at most CallTimeout after its last round.
	CallTimeout time.Duration
	// ConnectTimeout bounds the initialization of the first session
	// (default DefaultConnectTimeout).
	ConnectTimeout time.Duration
	// OnRound is called after each round, from the goroutine that called
	// Run, with the round's results, e.g. to print them. Optional.
	OnRound func(Round)
	// Logger receives the driver's events (failed session starts, rounds
	// with no calls of a tool). Nil discards them.
	Logger *slog.Logger
}

// WithDefaults returns a copy of c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	if c.Clients == 0 {
		c.Clients = DefaultClients
	}
	if c.Duration == 0 {
		c.Duration = DefaultDuration
	}
	if c.Rounds == 0 {
		c.Rounds = DefaultRounds
	}
	if c.Seed == 0 {
		c.Seed = DefaultSeed
	}
	if c.CallTimeout == 0 {
		c.CallTimeout = DefaultCallTimeout
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate reports the first field of c that cannot be run, as a
// *ConfigError. Call it on c.WithDefaults().
func (c Config) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &ConfigError{Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	if c.URL == "" {
		return bad("url", "required: the server's streamable HTTP endpoint, e.g. http://127.0.0.1:8732/mcp")
	}
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return bad("url", "%q: want an http:// or https:// URL such as http://127.0.0.1:8732/mcp", c.URL)
	}
	if c.Scenario == nil {
		return bad("scenario", "required: one of %s", strings.Join(ScenarioNames(), ", "))
	}
	if c.Clients < 1 || c.Clients > MaxClients {
		return bad("clients", "%d: want 1 to %d", c.Clients, MaxClients)
	}
	if c.Ramp < 0 {
		return bad("ramp", "%v: cannot be negative", c.Ramp)
	}
	if c.Duration <= 0 {
		return bad("duration", "%v: want a positive duration such as 30s", c.Duration)
	}
	if c.Rounds < 1 {
		return bad("rounds", "%d: want at least 1", c.Rounds)
	}
	if err := c.Think.validate(); err != nil {
		return bad("think", "%v", err)
	}
	if c.CallTimeout <= 0 {
		return bad("call-timeout", "%v: want a positive duration", c.CallTimeout)
	}
	if c.ConnectTimeout <= 0 {
		return bad("connect-timeout", "%v: want a positive duration", c.ConnectTimeout)
	}
	return nil
}

// ConfigError is a Config field that cannot be run.
type ConfigError struct {
	Field string
	Msg   string
}

func (e *ConfigError) Error() string { return "--" + e.Field + ": " + e.Msg }

// Range is an inclusive range of durations, written MIN..MAX.
type Range struct {
	Min, Max time.Duration
}

// ParseRange reads MIN..MAX, e.g. 50ms..200ms, or a single duration for a
// fixed pause. "0" is no pause.
func ParseRange(s string) (Range, error) {
	if strings.Contains(s, "...") {
		return Range{}, fmt.Errorf("%q: want MIN..MAX such as 50ms..200ms, or one duration", s)
	}
	lo, hi, found := strings.Cut(s, "..")
	if !found {
		hi = lo
	}
	parse := func(v string) (time.Duration, error) {
		v = strings.TrimSpace(v)
		if v == "0" {
			return 0, nil
		}
		return time.ParseDuration(v)
	}
	var r Range
	var errMin, errMax error
	r.Min, errMin = parse(lo)
	r.Max, errMax = parse(hi)
	if err := errors.Join(errMin, errMax); err != nil {
		return Range{}, fmt.Errorf("%q: want MIN..MAX such as 50ms..200ms, or one duration", s)
	}
	if err := r.validate(); err != nil {
		return Range{}, fmt.Errorf("%q: %w", s, err)
	}
	return r, nil
}

func (r Range) validate() error {
	if r.Min < 0 || r.Max < 0 {
		return errors.New("durations cannot be negative")
	}
	if r.Min > r.Max {
		return fmt.Errorf("MIN %v is more than MAX %v", r.Min, r.Max)
	}
	return nil
}

// String writes r as ParseRange reads it.
func (r Range) String() string {
	return r.Min.String() + ".." + r.Max.String()
}
