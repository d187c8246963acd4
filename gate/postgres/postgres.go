package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// The provider names accepted by Options.Provider and recorded in State.
const (
	ProviderAuto   = "auto"
	ProviderURL    = "url"
	ProviderDocker = "docker"
	ProviderLocal  = "local"
)

// ErrUnknownProvider is returned by Start for a provider name it does not know.
var ErrUnknownProvider = errors.New("unknown postgres provider")

// Options configures Start. The zero value is ready to use: provider auto,
// the process environment, durable settings, a server that stops with the
// process, and no logging.
type Options struct {
	// Provider is one of ProviderAuto (the default when empty), ProviderURL,
	// ProviderDocker or ProviderLocal.
	Provider string

	// Getenv reads the environment; it defaults to os.Getenv. Start reads
	// DATABASE_URL, PG_BIN, PATH, TMPDIR and DOCKER_HOST through it.
	Getenv func(string) string

	// PGBin is the directory holding initdb and postgres for the local
	// provider. It overrides $PG_BIN, which overrides `pg_config --bindir`.
	PGBin string

	// NoFsync turns off fsync, synchronous_commit and full_page_writes (and
	// initdb's sync). It trades crash safety for speed: use it for tests only.
	NoFsync bool

	// Detach lets the server outlive the calling process, as
	// `perfgate postgres start` needs: the local postmaster gets its own
	// session and no parent-death signal, and no signal handler is
	// installed. Stop it later through State and Resume.
	Detach bool

	// Logger receives progress and provider decisions; nil discards them.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Provider == "" {
		o.Provider = ProviderAuto
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Instance is a running PostgreSQL with the vector extension, reachable at
// URL. Stop it with Stop, in this process or, through State and Resume, in
// another one.
type Instance struct {
	// URL is a connection string for the instance's database, usable by
	// pgx, libpq and psql.
	URL string
	// Provider is the provider that supplied the instance: ProviderURL,
	// ProviderDocker or ProviderLocal.
	Provider string

	logger *slog.Logger

	// started is closed when Start returns, and cancelStart aborts a Start
	// in progress; the signal handler uses both.
	started     chan struct{}
	cancelStart context.CancelFunc

	mu      sync.Mutex // guards the fields below and serialises Stop
	stopped bool

	// The local provider's server.
	dataDir string
	bin     string
	pid     int
	exited  <-chan struct{} // closed when our own child is reaped; nil when resumed

	// The docker provider's container.
	dockerEndpoint string
	containerID    string
}

func newInstance(provider string, o Options, cancel context.CancelFunc) *Instance {
	return &Instance{
		Provider:    provider,
		logger:      o.Logger.With("provider", provider),
		started:     make(chan struct{}),
		cancelStart: cancel,
	}
}

// Start provides a PostgreSQL server with the vector extension created in
// the database of its URL, using opts.Provider:
//
//   - ProviderURL uses $DATABASE_URL as given.
//   - ProviderDocker runs pgvector/pgvector:pg17 with ory/dockertest, after
//     a ping of the daemon bounded to about a second.
//   - ProviderLocal runs initdb and postgres from the machine's binaries in
//     a fresh temporary directory, on a free port of 127.0.0.1, as the
//     postgres user when running as root.
//   - ProviderAuto picks url when DATABASE_URL is set, else docker when a
//     daemon answers, else local.
//
// When no provider can supply a server, or the one picked lacks pgvector,
// Start returns an *UnavailableError that names the fixes. Whatever Start
// started is stopped again when it fails or ctx ends.
//
// Unless opts.Detach is set, the server does not outlive the calling
// process: a SIGINT or SIGTERM to the process stops every live instance,
// removes its files and then lets the signal take its default effect, so
// the process still exits.
func Start(ctx context.Context, opts Options) (*Instance, error) {
	o := opts.withDefaults()
	switch o.Provider {
	case ProviderAuto:
		return startAuto(ctx, o)
	case ProviderURL, ProviderDocker, ProviderLocal:
		inst, err := startOne(ctx, o.Provider, o)
		if u, ok := errors.AsType[*unavailable](err); ok {
			return nil, &UnavailableError{Reasons: []Reason{{Provider: o.Provider, Err: u.err}}}
		}
		return inst, err
	default:
		return nil, fmt.Errorf("%w %q: want %s, %s, %s or %s", ErrUnknownProvider, o.Provider,
			ProviderAuto, ProviderURL, ProviderDocker, ProviderLocal)
	}
}

func startAuto(ctx context.Context, o Options) (*Instance, error) {
	var reasons []Reason
	for _, p := range []string{ProviderURL, ProviderDocker, ProviderLocal} {
		inst, err := startOne(ctx, p, o)
		u, ok := errors.AsType[*unavailable](err)
		if !ok {
			return inst, err
		}
		reasons = append(reasons, Reason{Provider: p, Err: u.err})
		if u.final {
			break
		}
		o.Logger.Info("postgres provider unavailable", "provider", p, "reason", u.err)
	}
	return nil, &UnavailableError{Reasons: reasons}
}

// startOne runs one provider. An *unavailable error means the provider
// cannot serve here; any other error means it was picked and failed.
func startOne(ctx context.Context, provider string, o Options) (*Instance, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	inst := newInstance(provider, o, cancel)
	defer close(inst.started)

	var err error
	switch provider {
	case ProviderURL:
		err = inst.startURL(ctx, o)
	case ProviderDocker:
		err = inst.startDocker(ctx, o)
	case ProviderLocal:
		err = inst.startLocal(ctx, o)
	}
	if err != nil {
		if serr := inst.Stop(context.WithoutCancel(ctx)); serr != nil {
			err = errors.Join(err, serr)
		}
		if _, ok := errors.AsType[*unavailable](err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("start postgres (%s): %w", provider, err)
	}
	inst.logger.Info("postgres ready", "url", redact(inst.URL))
	return inst, nil
}

func (i *Instance) startURL(ctx context.Context, o Options) error {
	u := o.Getenv("DATABASE_URL")
	if u == "" {
		return &unavailable{err: errors.New("DATABASE_URL is not set")}
	}
	i.URL = u
	return ensureVector(ctx, u, "install pgvector on the server of DATABASE_URL (https://github.com/pgvector/pgvector#installation), or unset DATABASE_URL to use another provider")
}

// Stop stops the server and removes what the provider created: the local
// provider's data directory, the docker provider's container. The url
// provider owns nothing and Stop does nothing. Stop is safe to call more
// than once and from several goroutines; after it succeeds, it returns nil.
//
// Stop asks for a fast shutdown and waits up to 30 s, or until ctx ends but
// at least 5 s, before it escalates to an immediate shutdown and SIGKILL. An
// already cancelled ctx therefore still cleans up.
func (i *Instance) Stop(ctx context.Context) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.stopped {
		return nil
	}
	var err error
	switch i.Provider {
	case ProviderLocal:
		err = i.stopLocal(ctx)
	case ProviderDocker:
		err = i.stopDocker(ctx)
	}
	if err != nil {
		return fmt.Errorf("stop postgres (%s): %w", i.Provider, err)
	}
	i.stopped = true
	untrack(i)
	return nil
}

// Running reports whether the instance's server is still up: for local, its
// postmaster process; for docker, its container; for url, whether URL
// accepts a connection.
func (i *Instance) Running(ctx context.Context) bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.stopped {
		return false
	}
	switch i.Provider {
	case ProviderLocal:
		return i.localRunning()
	case ProviderDocker:
		return i.dockerRunning(ctx)
	default:
		return ping(ctx, i.URL) == nil
	}
}

// State is what a later process needs to find and stop an instance. It is
// meant to be stored as JSON.
type State struct {
	Provider string `json:"provider"`
	URL      string `json:"url"`
	// DataDir and PID identify the local provider's server.
	DataDir string `json:"data_dir,omitempty"`
	PID     int    `json:"pid,omitempty"`
	// DockerEndpoint and ContainerID identify the docker provider's container.
	DockerEndpoint string `json:"docker_endpoint,omitempty"`
	ContainerID    string `json:"container_id,omitempty"`
}

// State returns the record that Resume turns back into an instance.
func (i *Instance) State() State {
	i.mu.Lock()
	defer i.mu.Unlock()
	return State{
		Provider:       i.Provider,
		URL:            i.URL,
		DataDir:        i.dataDir,
		PID:            i.pid,
		DockerEndpoint: i.dockerEndpoint,
		ContainerID:    i.containerID,
	}
}

// Resume returns an instance for a State recorded by another process, so
// that this one can check it with Running and end it with Stop. It does not
// contact the server, and it installs no signal handler.
func Resume(st State) (*Instance, error) {
	inst := &Instance{
		URL:            st.URL,
		Provider:       st.Provider,
		logger:         slog.New(slog.DiscardHandler).With("provider", st.Provider),
		started:        make(chan struct{}),
		cancelStart:    func() {},
		dataDir:        st.DataDir,
		pid:            st.PID,
		dockerEndpoint: st.DockerEndpoint,
		containerID:    st.ContainerID,
	}
	close(inst.started)
	switch st.Provider {
	case ProviderURL:
	case ProviderLocal:
		if err := checkDataDir(st.DataDir); err != nil {
			return nil, fmt.Errorf("resume postgres: %w", err)
		}
		if st.PID <= 0 {
			return nil, fmt.Errorf("resume postgres: local state without a pid")
		}
	case ProviderDocker:
		if st.ContainerID == "" || st.DockerEndpoint == "" {
			return nil, fmt.Errorf("resume postgres: docker state without container id or endpoint")
		}
	default:
		return nil, fmt.Errorf("resume postgres: %w %q", ErrUnknownProvider, st.Provider)
	}
	return inst, nil
}

// ensureVector creates the vector extension in the database of dsn. When
// that fails, the error is final for auto and carries fix.
func ensureVector(ctx context.Context, dsn, fix string) error {
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, dsn)
	if err != nil {
		return fmt.Errorf("connect %s: %w", redact(dsn), err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(cctx, "CREATE EXTENSION IF NOT EXISTS vector"); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("create extension vector: %w", err)
		}
		return &unavailable{final: true, err: fmt.Errorf("create extension vector: %w; %s", err, fix)}
	}
	return nil
}

// ping connects to dsn once and closes the connection.
func ping(ctx context.Context, dsn string) error {
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, dsn)
	if err != nil {
		return err
	}
	return conn.Close(cctx)
}

// redact hides the password of a URL-form connection string for logs and
// errors.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		return "the configured database"
	}
	return u.Redacted()
}
