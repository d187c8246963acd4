// Command codebase-mcp is the MCP server that indexes code repositories into
// PostgreSQL with pgvector and serves semantic code search.
//
//	codebase-mcp --db-url "$DATABASE_URL" --root ~/src                      # stdio
//	codebase-mcp --transport http --addr 127.0.0.1:8731 --root ~/src        # streamable HTTP at /mcp
//	codebase-mcp eval --db-url "$DATABASE_URL" [--corpus DIR] [--limit N]   # search quality
//
// --root (repeatable; default the working directory) bounds the directories
// the tools read. --embedder chooses builtin (default: offline), ollama or
// openai; their URL comes from --embed-url or OLLAMA_HOST / OPENAI_BASE_URL,
// the key from OPENAI_API_KEY only. Every flag is also an environment
// variable: CODEBASE_MCP_<FLAG>, e.g. CODEBASE_MCP_ROOT (several separated by
// the OS path list separator); --db-url also reads DATABASE_URL.
//
// Exit codes: 0 after a clean shutdown, 2 for a bad flag or setting, 3 when
// the address is taken or, for eval, the database cannot be used; 1 for
// other failures.
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
