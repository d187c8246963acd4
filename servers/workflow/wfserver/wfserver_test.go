package wfserver_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/pgtest"
	"github.com/perfgate/perfgate/servers/workflow/wfserver"
)

// unreachableDB is a URL nothing listens on: the server starts without a
// database and retries in the background.
const unreachableDB = "postgres://postgres@127.0.0.1:1/x?sslmode=disable"

func TestExitCodes(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { taken.Close() })

	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		code int
		want string
	}{
		{"help", []string{"-help"}, nil, 0, "-codebase-url"},
		{"unknown flag", []string{"--bogus"}, nil, 2, "bogus"},
		{"bad transport", []string{"--transport", "carrier-pigeon", "--db-url", unreachableDB}, nil, 2, "--transport"},
		{"no database", nil, nil, 2, "DATABASE_URL"},
		{"bad timeout from the environment", []string{"--db-url", unreachableDB}, map[string]string{"WORKFLOW_MCP_CODEBASE_TIMEOUT": "0s"}, 2, "--codebase-timeout"},
		{"missing token file", []string{"--db-url", unreachableDB, "--codebase-token-file", "/nonexistent"}, nil, 2, "--codebase-token-file"},
		{"taken port", []string{"--transport", "http", "--addr", taken.Addr().String()}, map[string]string{"DATABASE_URL": unreachableDB}, 3, "already in use"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := wfserver.Main(ctx, tc.args, strings.NewReader(""), io.Discard, &stderr, func(k string) string { return tc.env[k] })
			if got := wfserver.ExitCode(err); got != tc.code {
				t.Fatalf("exit code %d (error %v), want %d", got, err, tc.code)
			}
			msg := stderr.String()
			if err != nil && err != flag.ErrHelp {
				msg += err.Error()
			}
			if !strings.Contains(msg, tc.want) {
				t.Errorf("output %q does not mention %q", msg, tc.want)
			}
		})
	}
}

// Over stdio, stdout carries nothing but protocol messages, and the server
// stops when the client closes stdin.
func TestStdio(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- wfserver.Main(context.Background(), []string{"--db-url", url}, inR, outW, &stderr, func(string) string { return "" })
		outW.Close()
	}()

	out := bufio.NewScanner(outR)
	out.Buffer(make([]byte, 1<<20), 1<<20)
	send := func(msg string) {
		if _, err := io.WriteString(inW, msg+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	recv := func() map[string]any {
		t.Helper()
		if !out.Scan() {
			t.Fatalf("no response: %v; stderr: %s", out.Err(), stderr.String())
		}
		var m map[string]any
		if err := json.Unmarshal(out.Bytes(), &m); err != nil || m["jsonrpc"] != "2.0" {
			t.Fatalf("stdout line is not JSON-RPC: %q", out.Text())
		}
		return m
	}
	send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	if r := recv(); r["result"] == nil {
		t.Fatalf("initialize: %v", r)
	}
	send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"create_project","arguments":{"name":"stdio"}}}`)
	r := recv()
	if res, _ := r["result"].(map[string]any); res == nil || res["isError"] == true {
		t.Fatalf("create_project over stdio: %v", r)
	}
	inW.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Main after stdin closed: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Main did not return after stdin closed")
	}
	if !strings.Contains(stderr.String(), `"tool":"create_project"`) {
		t.Errorf("no log line for the call on stderr: %s", stderr.String())
	}
}
