package testserver

import (
	"context"
	"embed"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/perfgate/perfgate/servers/internal/mcpserver"
	"github.com/perfgate/perfgate/servers/internal/tool"
)

// Name is the program name: the MCP server name and the environment prefix
// MCP_TESTSERVER_.
const Name = "mcp-testserver"

// DefaultPort is the HTTP port by default.
const DefaultPort = 8799

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Config returns the defaults of the test server, its migrations included.
func Config() mcpserver.Config {
	cfg := mcpserver.DefaultConfig(Name, DefaultPort)
	cfg.Version = "test"
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // The embedded tree is fixed at build time.
	}
	cfg.DB.Migrations = sub
	cfg.DB.MigrationsTable = "testserver_goose_version"
	return cfg
}

// New builds the server with its tools registered.
func New(cfg mcpserver.Config, o mcpserver.Options) (*mcpserver.Server, error) {
	if o.Instructions == "" {
		o.Instructions = "A test server: echo answers without the database, sleep_query holds a database connection, record_note writes a row."
	}
	srv, err := mcpserver.New(cfg, o)
	if err != nil {
		return nil, err
	}
	Register(srv)
	return srv, nil
}

// Main is the program: flags and environment (MCP_TESTSERVER_...), the JSON
// log on stderr, and the server until ctx ends. Map its error with
// mcpserver.ExitCode.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	cfg := Config()
	fl := flag.NewFlagSet(Name, flag.ContinueOnError)
	fl.SetOutput(stderr)
	cfg.RegisterFlags(fl)
	if err := mcpserver.ParseFlags(fl, args, mcpserver.EnvPrefix(Name), getenv); err != nil {
		return err
	}
	logger := mcpserver.NewLogger(stderr, cfg.LogLevel)
	srv, err := New(cfg, mcpserver.Options{Logger: logger, Stdin: stdin, Stdout: stdout})
	if err != nil {
		return err
	}
	return srv.Run(ctx)
}

// EchoIn is the input of echo.
type EchoIn struct {
	Message string `json:"message" jsonschema:"The text to send back; not empty"`
	Repeat  int    `json:"repeat,omitempty" jsonschema:"How many times to repeat it, 1 to 10 (default 1)"`
}

// EchoOut is the result of echo.
type EchoOut struct {
	Message string `json:"message" jsonschema:"The text, repeated"`
}

// SleepIn is the input of sleep_query.
type SleepIn struct {
	Milliseconds int `json:"milliseconds" jsonschema:"How long to hold the connection, 0 to 60000"`
}

// SleepOut is the result of sleep_query.
type SleepOut struct {
	SleptMilliseconds int64 `json:"slept_milliseconds" jsonschema:"How long the call held its connection"`
	BackendPID        int32 `json:"backend_pid" jsonschema:"The PostgreSQL backend that slept"`
}

// NoteIn is the input of record_note.
type NoteIn struct {
	Note string `json:"note" jsonschema:"The text to store (the column takes 200 characters: longer fails as an internal error)"`
}

// NoteOut is the result of record_note.
type NoteOut struct {
	ID    int64 `json:"id" jsonschema:"The new note's id"`
	Total int64 `json:"total" jsonschema:"Notes stored so far"`
}

// Register adds the test server's tools to srv.
func Register(srv *mcpserver.Server) {
	db := srv.DB()
	tool.Add(srv.MCP(), tool.Spec{
		Name:        "echo",
		Title:       "Echo",
		Description: "Sends the message back, optionally repeated. Does not touch the database.",
		ReadOnly:    true,
	}, func(ctx context.Context, in EchoIn) (EchoOut, error) {
		if in.Message == "" {
			return EchoOut{}, tool.Errorf("message is empty: pass the text to send back")
		}
		if in.Repeat == 0 {
			in.Repeat = 1
		}
		if in.Repeat < 1 || in.Repeat > 10 {
			return EchoOut{}, tool.Errorf("repeat is %d: pass 1 to 10", in.Repeat)
		}
		return EchoOut{Message: strings.Repeat(in.Message, in.Repeat)}, nil
	})

	tool.Add(srv.MCP(), tool.Spec{
		Name:        "sleep_query",
		Title:       "Hold a database connection",
		Description: "Holds a database connection for the given time with pg_sleep, to load the connection pool.",
		ReadOnly:    true,
	}, func(ctx context.Context, in SleepIn) (SleepOut, error) {
		if in.Milliseconds < 0 || in.Milliseconds > 60000 {
			return SleepOut{}, tool.Errorf("milliseconds is %d: pass 0 to 60000", in.Milliseconds)
		}
		var out SleepOut
		start := time.Now()
		err := db.Do(ctx, func(conn *pgxpool.Conn) error {
			return conn.QueryRow(ctx, "SELECT pg_backend_pid() FROM (SELECT pg_sleep($1::float8 / 1000)) AS s",
				in.Milliseconds).Scan(&out.BackendPID)
		})
		if err != nil {
			return SleepOut{}, fmt.Errorf("sleep %dms: %w", in.Milliseconds, err)
		}
		out.SleptMilliseconds = time.Since(start).Milliseconds()
		return out, nil
	})

	tool.Add(srv.MCP(), tool.Spec{
		Name:        "record_note",
		Title:       "Record a note",
		Description: "Stores a note in the database and returns its id and the number of notes.",
	}, func(ctx context.Context, in NoteIn) (NoteOut, error) {
		if in.Note == "" {
			return NoteOut{}, tool.Errorf("note is empty: pass the text to store")
		}
		var out NoteOut
		err := db.Do(ctx, func(conn *pgxpool.Conn) error {
			return conn.QueryRow(ctx,
				"WITH n AS (INSERT INTO notes (note) VALUES ($1) RETURNING id) SELECT n.id, (SELECT count(*) FROM notes) + 1 FROM n",
				in.Note).Scan(&out.ID, &out.Total)
		})
		if err != nil {
			return NoteOut{}, fmt.Errorf("insert note: %w", err)
		}
		return out, nil
	})
}
