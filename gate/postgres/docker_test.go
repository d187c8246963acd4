package postgres

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDockerFailsFast(t *testing.T) {
	t.Parallel()
	// A daemon that accepts connections but never answers, as a hung one.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()

	tests := []struct{ name, host string }{
		{"no socket", "unix://" + filepath.Join(t.TempDir(), "docker.sock")},
		{"silent daemon", "tcp://" + l.Addr().String()},
		{"environment", os.Getenv("DOCKER_HOST")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			getenv := func(k string) string {
				if k == "DOCKER_HOST" {
					return tt.host
				}
				return os.Getenv(k)
			}
			if tt.name == "environment" {
				if _, err := dockerPool(t.Context(), dockerEndpoint(getenv)); err == nil {
					t.Skip("a Docker daemon answers here; TestDocker covers it")
				}
			}
			start := time.Now()
			inst, err := Start(t.Context(), Options{Provider: ProviderDocker, Getenv: getenv})
			elapsed := time.Since(start)
			if err == nil {
				inst.Stop(context.Background())
				t.Fatal("Start succeeded without a daemon")
			}
			if elapsed > 2*time.Second {
				t.Errorf("Start took %v to give up, want under 2s", elapsed)
			}
			var ue *UnavailableError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), "no Docker daemon answered") {
				t.Errorf("err = %v, want an *UnavailableError about the daemon", err)
			}
		})
	}
}

func TestDocker(t *testing.T) {
	t.Parallel()
	if _, err := dockerPool(t.Context(), dockerEndpoint(os.Getenv)); err != nil {
		t.Skipf("no Docker daemon: %v", err)
	}
	inst, err := Start(t.Context(), Options{Provider: ProviderDocker, NoFsync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = inst.Stop(context.Background()) })
	if v := queryString(t, inst.URL, extversionSQL); v == "" {
		t.Error("vector extension has no version")
	}
	if got := queryString(t, inst.URL, "SHOW fsync"); got != "off" {
		t.Errorf("fsync = %s, want off", got)
	}
	st := inst.State()
	resumed, err := Resume(st)
	if err != nil {
		t.Fatal(err)
	}
	if !resumed.Running(t.Context()) {
		t.Error("Running = false for a live container")
	}
	if err := inst.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	if resumed.Running(t.Context()) {
		t.Error("the container still runs after Stop")
	}
	if err := resumed.Stop(t.Context()); err != nil {
		t.Errorf("Stop of an already removed container: %v", err)
	}
}
