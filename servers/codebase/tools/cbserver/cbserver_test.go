package cbserver_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/pgtest"
	"github.com/perfgate/perfgate/servers/codebase/tools/cbserver"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// Bad flags and settings exit 2 with a message naming the flag; -help 0.
func TestUsageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		env  map[string]string
		code int
		want string
	}{
		{"help", []string{"-help"}, nil, 0, ""},
		{"unknown flag", []string{"--colour"}, nil, 2, "colour"},
		{"bad transport", []string{"--transport", "pigeon", "--root", dir}, nil, 2, "--transport"},
		{"missing root", []string{"--root", filepath.Join(dir, "nope")}, nil, 2, "--root"},
		{"root is a file", []string{"--root", file}, nil, 2, "not a directory"},
		{"unknown embedder", []string{"--root", dir, "--embedder", "magic"}, nil, 2, "unknown embedder"},
		{"ollama without model", []string{"--root", dir, "--embedder", "ollama"}, nil, 2, "needs a model"},
		{"embedder from env", []string{"--root", dir}, map[string]string{"CODEBASE_MCP_EMBEDDER": "magic"}, 2, "unknown embedder"},
		{"negative keep-jobs", []string{"--root", dir, "--keep-jobs", "-1"}, nil, 2, "--keep-jobs"},
		{"eval without database", []string{"eval", "--corpus", dir}, nil, 2, "--db-url"},
		{"eval bad format", []string{"eval", "--format", "csv", "--corpus", dir}, nil, 2, "--format"},
		{"eval empty corpus", []string{"eval", "--corpus", dir, "--db-url", "postgres://x@127.0.0.1:1/x"}, nil, 2, "no Go files"},
		{"index without path", []string{"index", "--db-url", "postgres://x@127.0.0.1:1/x"}, nil, 2, "no repository"},
		{"index two paths", []string{"index", dir, dir}, nil, 2, "one directory"},
		{"index unknown flag", []string{"index", dir, "--colour"}, nil, 2, "colour"},
		{"index bad format", []string{"index", "--format", "xml", dir}, nil, 2, "--format"},
		{"index bad project", []string{"index", "--project", "a b", dir}, nil, 2, "--project"},
		{"index missing path", []string{"index", filepath.Join(dir, "nope")}, nil, 2, "does not exist"},
		{"index a file", []string{"index", file}, nil, 2, "not a directory"},
		{"index outside root", []string{"index", "--root", filepath.Join(dir, "..", ".."), "--db-url", "postgres://x@127.0.0.1:1/x", "/"}, nil, 2, "outside the allowed roots"},
		{"index root from env", []string{"index", "/"}, map[string]string{"CODEBASE_MCP_ROOT": dir}, 2, "outside the allowed roots"},
		{"index without database", []string{"index", dir}, nil, 2, "--db-url"},
		{"index unknown embedder", []string{"index", "--embedder", "magic", dir}, nil, 2, "unknown embedder"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			err := cbserver.Main(context.Background(), c.args, strings.NewReader(""), io.Discard, &stderr, env(c.env))
			if errors.Is(err, flag.ErrHelp) {
				err = nil
			}
			if got := cbserver.ExitCode(err); got != c.code {
				t.Fatalf("exit code %d, want %d (err %v)", got, c.code, err)
			}
			if err != nil && !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not say %q", err, c.want)
			}
		})
	}
}

// A database that cannot be reached makes eval and index exit 3; a taken port makes
// the server exit 3.
func TestInfraErrors(t *testing.T) {
	t.Parallel()
	corpus := t.TempDir()
	if err := os.WriteFile(filepath.Join(corpus, "a.go"), []byte("package a\n\n// Add adds two numbers and returns the sum of them.\nfunc Add(a, b int) int { return a + b }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := cbserver.Main(context.Background(), []string{"eval", "--corpus", corpus, "--db-url", "postgres://x@127.0.0.1:1/x?connect_timeout=1", "--db-wait", "1s"},
		strings.NewReader(""), io.Discard, io.Discard, env(nil))
	if cbserver.ExitCode(err) != 3 {
		t.Errorf("eval with no database: exit %d (%v), want 3", cbserver.ExitCode(err), err)
	}

	err = cbserver.Main(context.Background(), []string{"index", corpus, "--db-url", "postgres://x@127.0.0.1:1/x?connect_timeout=1", "--db-wait", "1s"},
		strings.NewReader(""), io.Discard, io.Discard, env(nil))
	if cbserver.ExitCode(err) != 3 || !strings.Contains(err.Error(), "--db-wait") {
		t.Errorf("index with no database: exit %d (%v), want 3", cbserver.ExitCode(err), err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	err = cbserver.Main(context.Background(), []string{"--transport", "http", "--addr", ln.Addr().String(), "--root", corpus,
		"--db-url", "postgres://x@127.0.0.1:1/x"}, strings.NewReader(""), io.Discard, io.Discard, env(nil))
	if cbserver.ExitCode(err) != 3 || !strings.Contains(err.Error(), ln.Addr().String()) {
		t.Errorf("taken port: exit %d (%v), want 3", cbserver.ExitCode(err), err)
	}
}

// Over stdio, the server answers on stdout only and returns cleanly (exit
// 0) when the client closes stdin.
func TestStdioSession(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	root := t.TempDir()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- cbserver.Main(context.Background(), []string{"--root", root, "--db-url", url}, inR, outW, &stderr, env(nil))
		outW.Close()
	}()
	out := bufio.NewScanner(outR)
	out.Buffer(nil, 1<<20)
	send := func(msg string) {
		if _, err := io.WriteString(inW, msg+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	read := func() map[string]any {
		if !out.Scan() {
			t.Fatalf("no answer: %v\n%s", out.Err(), stderr.String())
		}
		var m map[string]any
		if err := json.Unmarshal(out.Bytes(), &m); err != nil {
			t.Fatalf("stdout holds a non-protocol line %q", out.Text())
		}
		return m
	}
	send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	if r := read(); r["result"] == nil {
		t.Fatalf("initialize: %v", r)
	}
	send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_projects","arguments":{}}}`)
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := read()
		res, _ := r["result"].(map[string]any)
		if res != nil && res["isError"] != true {
			break
		}
		// The database may still be starting: retryable, try again.
		if time.Now().After(deadline) {
			t.Fatalf("list_projects: %v", r)
		}
		time.Sleep(200 * time.Millisecond)
		send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_projects","arguments":{}}}`)
	}
	inW.Close()
	select {
	case err := <-done:
		if code := cbserver.ExitCode(err); code != 0 {
			t.Errorf("exit %d after stdin closed: %v", code, err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("server did not return after stdin closed")
	}
}

// eval indexes a small corpus and prints the three rankings' figures, as
// CI runs it on a subset.
func TestEvalSubset(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	corpus := t.TempDir()
	src := "package a\n\n" +
		"// Add adds two numbers and returns the sum of them.\nfunc Add(a, b int) int { return a + b }\n\n" +
		"// Reverse turns the order of the letters of a string around, last first.\nfunc Reverse(s string) string { return s }\n\n" +
		"// Median sorts the samples and picks the value in the middle of them.\nfunc Median(xs []float64) float64 { return 0 }\n"
	if err := os.WriteFile(filepath.Join(corpus, "a.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	eval := func(format string) string {
		var stdout, stderr bytes.Buffer
		err := cbserver.Main(context.Background(), []string{"eval", "--corpus", corpus, "--db-url", url, "--limit", "10", "--format", format},
			strings.NewReader(""), &stdout, &stderr, env(nil))
		if err != nil {
			t.Fatalf("eval --format %s: %v\n%s", format, err, stderr.String())
		}
		return stdout.String()
	}
	if text := eval("text"); !strings.Contains(text, "hybrid          3    1.0000") {
		t.Errorf("three obvious queries should all rank first:\n%s", text)
	}
	// In benchmark format stdout holds nothing else: perfgate reads it.
	want := "Unit mrr@10 better=higher assume=exact\nUnit recall@10 better=higher assume=exact\n" +
		"BenchmarkEval/ranking=lexical 1 1.0000 mrr@10 1.0000 recall@10\n"
	if bench := eval("bench"); !strings.HasPrefix(bench, want) || strings.Count(bench, "\n") != 5 ||
		!strings.Contains(bench, "\nBenchmarkEval/ranking=hybrid 1 1.0000 mrr@10 1.0000 recall@10\n") {
		t.Errorf("eval --format bench:\n%s", bench)
	}
}
