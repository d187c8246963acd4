// Command codebase-mcp is the MCP server that indexes code repositories into
// PostgreSQL with pgvector and serves semantic code search.
//
//	codebase-mcp --db-url "$DATABASE_URL" --root ~/src                      # stdio
//	codebase-mcp --transport http --addr 127.0.0.1:8731 --root ~/src        # streamable HTTP at /mcp
//	codebase-mcp index --db-url "$DATABASE_URL" [--project P] [--force] PATH  # index once, synchronously
//	codebase-mcp eval --db-url "$DATABASE_URL" [--corpus DIR] [--limit N] [--format bench]  # search quality
//
// --root (repeatable; default the working directory) bounds the directories
// the tools read. --embedder chooses builtin (default: offline), ollama or
// openai; their URL comes from --embed-url or OLLAMA_HOST / OPENAI_BASE_URL,
// the key from OPENAI_API_KEY only. Every flag is also an environment
// variable: CODEBASE_MCP_<FLAG>, e.g. CODEBASE_MCP_ROOT (several separated by
// the OS path list separator); --db-url also reads DATABASE_URL.
//
// index shows its progress on stderr (a bar on a terminal, a line every
// --progress-interval otherwise) and prints the job's counts on stdout
// (--format json: the job as get_indexing_status returns it). Without
// --root it indexes any directory; with --root, only one under a root.
//
// Exit codes: 0 after a clean shutdown or a successful index, 2 for a bad
// flag, setting, path or project (for index, also a project built with
// another embedder: pass --force), 3 when the address is taken or, for
// index and eval, the database cannot be used; 1 for other failures (an
// indexing job that fails or is interrupted).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/perfgate/perfgate/servers/codebase/tools/cbserver"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	cbserver.Version = version
	err := cbserver.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(os.Stderr, "%s: %v\n", cbserver.Name, err)
	}
	os.Exit(cbserver.ExitCode(err))
}
