package cbserver

import (
	"context"
	"io"
)

// MainEval is the eval subcommand.
func MainEval(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	return nil
}
