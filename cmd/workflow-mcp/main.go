// Command workflow-mcp is the MCP server that keeps AI agents' projects,
// typed entities, work items, deployments and code references in
// PostgreSQL.
//
//	workflow-mcp --db-url "$DATABASE_URL"                                  # stdio
//	workflow-mcp --transport http --addr 127.0.0.1:8732 \
//	    --codebase-url http://127.0.0.1:8731/mcp                           # streamable HTTP at /mcp
//
// Every flag is also an environment variable: WORKFLOW_MCP_<FLAG>, e.g.
// WORKFLOW_MCP_CODEBASE_URL; --db-url also reads DATABASE_URL. Exit codes:
// 0 after a clean shutdown, 2 for a bad flag or setting, 3 when the
// address is taken, 1 for other failures.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/perfgate/perfgate/servers/workflow/wfserver"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	wfserver.Version = version
	err := wfserver.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(os.Stderr, "%s: %v\n", wfserver.Name, err)
	}
	os.Exit(wfserver.ExitCode(err))
}
