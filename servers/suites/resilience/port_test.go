package resilience_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/pgtest"
)

// A second server program on a port a running workflow-mcp holds exits 3,
// names the address and says how to pick another; the first keeps serving.
func TestAddressInUse(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.URL(t)
	first := startServer(t, "workflow-mcp", "", dbURL)
	first.waitHealthy(t)

	for _, name := range []string{"workflow-mcp", "codebase-mcp"} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			args := []string{"--transport", "http", "--addr", first.addr}
			if name == "codebase-mcp" {
				args = append(args, "--root", t.TempDir())
			}
			cmd := exec.CommandContext(ctx, program(t, name), args...)
			cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL)
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 3 {
				t.Fatalf("%s on a taken port: %v, want exit status 3; stderr:\n%s", name, err, stderr.String())
			}
			want := "address " + first.addr + " is already in use"
			if msg := stderr.String(); !strings.Contains(msg, want) || !strings.Contains(msg, "--addr") {
				t.Errorf("stderr %q: want %q and how to choose another port (--addr)", msg, want)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q, want nothing", stdout.String())
			}
		})
	}

	code, h, err := first.health()
	if err != nil || code != 200 || h.Status != "healthy" {
		t.Fatalf("the first server after the attempts: HTTP %d %+v %v, want healthy", code, h, err)
	}
	s := connect(t, first.url())
	if out := s.ok("list_projects", nil); out == nil {
		t.Fatal("list_projects returned nothing")
	}
}
