// Command mcp-testserver runs the test server of the MCP runtime, for the
// conformance suite (scripts/conformance.sh) and for trying the runtime by
// hand:
//
//	mcp-testserver --transport http --addr 127.0.0.1:8799 --db-url "$DATABASE_URL"
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/perfgate/perfgate/servers/internal/mcpserver"
	"github.com/perfgate/perfgate/servers/internal/testserver"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := testserver.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(os.Stderr, "%s: %v\n", testserver.Name, err)
	}
	os.Exit(mcpserver.ExitCode(err))
}
