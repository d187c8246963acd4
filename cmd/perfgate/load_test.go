package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/perf/benchfmt"

	"github.com/perfgate/perfgate/gate/load/loadtest"
)

func TestLoadUsage(t *testing.T) {
	t.Parallel()
	url := "http://127.0.0.1:1/mcp" // never dialed: each row fails before
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, []byte(" \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--url", url}, "--scenario is required"},
		{[]string{"--url", url, "--scenario", "k6"}, `unknown scenario "k6": want one of codebase-search, workflow-mix`},
		{[]string{"--scenario", "workflow-mix"}, "--url: required"},
		{[]string{"--url", "localhost:8732", "--scenario", "workflow-mix"}, "want an http:// or https:// URL"},
		{[]string{"--url", url, "--scenario", "workflow-mix", "--think", "fast"}, `--think "fast": want MIN..MAX`},
		{[]string{"--url", url, "--scenario", "workflow-mix", "--think", "200ms..50ms"}, "MIN 200ms is more than MAX 50ms"},
		{[]string{"--url", url, "--scenario", "workflow-mix", "--clients", "0"}, "--clients 0: want at least 1"},
		{[]string{"--url", url, "--scenario", "workflow-mix", "--rounds", "0"}, "--rounds 0"},
		{[]string{"--url", url, "--scenario", "workflow-mix", "--duration", "0s"}, "--duration 0s"},
		{[]string{"--url", url, "--scenario", "workflow-mix", "--ramp", "-1s"}, "--ramp: -1s"},
		{[]string{"--url", url, "--scenario", "workflow-mix", "--duration", "soon"}, "invalid value"},
		{[]string{"--url", url, "--scenario", "workflow-mix", "--token-file", empty}, "is empty"},
		{[]string{"--url", url, "--scenario", "workflow-mix", "--token-file", filepath.Join(t.TempDir(), "none")}, "--token-file"},
		{[]string{"--url", url, "--scenario", "workflow-mix", "extra"}, "unexpected arguments"},
	}
	for _, tt := range tests {
		code, stdout, stderr := runCLI(t, noEnv, append([]string{"load"}, tt.args...)...)
		if code != exitUsage || !strings.Contains(stderr, tt.want) || stdout != "" {
			t.Errorf("perfgate load %q: exit %d, stdout %q, stderr:\n%s\nwant exit 2 and %q", tt.args, code, stdout, stderr, tt.want)
		}
	}
	code, _, stderr := runCLI(t, noEnv, "load", "-h")
	if code != exitOK || !strings.Contains(stderr, "workflow-mix") || !strings.Contains(stderr, "-think") {
		t.Errorf("load -h: exit %d:\n%s", code, stderr)
	}
}

func TestLoadUnreachable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/mcp"
	ln.Close()
	code, stdout, stderr := runCLI(t, noEnv, "load", "--url", url, "--scenario", "workflow-mix", "--duration", "1s")
	if code != exitInfra || !strings.Contains(stderr, url) || !strings.Contains(stderr, "start the server") || stdout != "" {
		t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant exit 3 naming %s and what to do", code, stdout, stderr, url)
	}
}

func TestLoadWrongServer(t *testing.T) {
	t.Parallel()
	srv := loadtest.New(t, loadtest.Options{Tools: []string{"search_code"}})
	code, _, stderr := runCLI(t, noEnv, "load", "--url", srv.URL, "--scenario", "workflow-mix", "--duration", "1s")
	if code != exitUsage || !strings.Contains(stderr, "no tool switch_project") {
		t.Errorf("exit %d, stderr:\n%s\nwant exit 2 naming the missing tools", code, stderr)
	}
}

func TestLoadPrintsBenchmarkFormat(t *testing.T) {
	t.Parallel()
	srv := loadtest.New(t, loadtest.Options{Token: "tok", ErrorEvery: 10})
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("tok\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, noEnv, "load", "--url", srv.URL, "--scenario", "workflow-mix",
		"--clients", "6", "--ramp", "50ms", "--duration", "500ms", "--rounds", "2", "--think", "1ms..3ms",
		"--token-file", tokenFile, "--seed", "7", "--project", "bench")
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	if strings.Contains(stdout+stderr, "tok\n") {
		t.Error("the token is printed")
	}
	if !strings.Contains(stderr, "2 of 2 rounds") {
		t.Errorf("stderr lacks the summary:\n%s", stderr)
	}

	r := benchfmt.NewReader(strings.NewReader(stdout), "stdout")
	perTool := map[string]int{}
	var units int
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.SyntaxError:
			t.Fatalf("%v\n%s", rec, stdout)
		case *benchfmt.UnitMetadata:
			units++
		case *benchfmt.Result:
			name := string(rec.Name.Full())
			if !strings.HasPrefix(name, "Load/scenario=workflow-mix/tool=") || !strings.HasSuffix(name, "/clients=6") {
				t.Errorf("name %q", name)
			}
			perTool[strings.Split(name, "/")[2]]++
			if got := rec.GetConfig("scenario"); got != "workflow-mix" {
				t.Errorf("scenario config %q", got)
			}
			if got := rec.GetConfig("think"); got != "1ms..3ms" {
				t.Errorf("think config %q", got)
			}
			if v, ok := rec.Value("errors/op"); !ok || v < 0 || v > 1 {
				t.Errorf("%s: errors/op %v, %v", name, v, ok)
			}
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	for _, tool := range []string{"switch_project", "query_entities", "query_work_items"} {
		if perTool["tool="+tool] != 2 {
			t.Errorf("%s: %d lines, want 2 (one per round): %v", tool, perTool["tool="+tool], perTool)
		}
	}
	if units != 6 {
		t.Errorf("%d unit metadata, want 6", units)
	}
	if srv.Calls("switch_project") == 0 || srv.Errors("switch_project") == 0 {
		t.Errorf("server: %d switch_project calls, %d errors", srv.Calls("switch_project"), srv.Errors("switch_project"))
	}
}

func TestLoadInterrupted(t *testing.T) {
	t.Parallel()
	srv := loadtest.New(t, loadtest.Options{Latency: 20 * time.Millisecond})
	var out, errOut strings.Builder
	cctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	start := time.Now()
	err := run(cctx, []string{"load", "--url", srv.URL, "--scenario", "codebase-search", "--clients", "3",
		"--duration", "150ms", "--rounds", "50"}, &out, &errOut, noEnv)
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("took %v after a 1s deadline", took)
	}
	if err == nil || !strings.Contains(err.Error(), "interrupted after") {
		t.Fatalf("err = %v, want interrupted", err)
	}
	if n := strings.Count(out.String(), "BenchmarkLoad/"); n < 1 || n > 6 {
		t.Errorf("%d result lines for 1s of 150ms rounds, want 1 to 6:\n%s", n, out.String())
	}
}
