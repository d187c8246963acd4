package tools_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/perfgate/perfgate/servers/codebase/index"
	"github.com/perfgate/perfgate/servers/codebase/tools/cbserver"
)

// progressLog collects a client's progress notifications by token.
type progressLog struct {
	mu     sync.Mutex
	byTok  map[string][]map[string]any
	signal chan struct{}
}

func watchProgress(c interface {
	OnNotification(func(mcp.JSONRPCNotification))
}) *progressLog {
	l := &progressLog{byTok: map[string][]map[string]any{}, signal: make(chan struct{}, 1000)}
	c.OnNotification(func(n mcp.JSONRPCNotification) {
		if n.Method != string(mcp.MethodNotificationProgress) {
			return
		}
		f := n.Params.AdditionalFields
		l.mu.Lock()
		tok := fmt.Sprint(f["progressToken"])
		l.byTok[tok] = append(l.byTok[tok], f)
		l.mu.Unlock()
		l.signal <- struct{}{}
	})
	return l
}

func (l *progressLog) get(tok string) []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]map[string]any(nil), l.byTok[tok]...)
}

// checkProgress asserts that notifications increase and end at the total.
func checkProgress(t *testing.T, ns []map[string]any, total float64) {
	t.Helper()
	if len(ns) == 0 {
		t.Fatal("no progress notification")
	}
	last := -1.0
	for _, n := range ns {
		p := n["progress"].(float64)
		if p <= last {
			t.Errorf("progress went from %v to %v", last, p)
		}
		last = p
		if n["message"] == nil {
			t.Errorf("notification without a message: %v", n)
		}
	}
	end := ns[len(ns)-1]
	if end["progress"].(float64) != total || end["total"].(float64) != total {
		t.Errorf("last notification %v, want progress and total %v", end, total)
	}
}

// A client that asked for progress receives it: while get_indexing_status
// waits, over streamable HTTP; and after index_repository returned, on a
// session that outlives the call (in-process here, as over stdio).
func TestProgressNotifications(t *testing.T) {
	t.Parallel()
	gate := newGateEmbedder()
	e := start(t, cbserver.Options{Embedder: gate, Index: index.Config{BatchChunks: 1, ProgressInterval: 20 * time.Millisecond}}, "")
	repo := filepath.Join(e.root, "repo")
	smallRepo(t, repo, 8)

	c, err := client.NewInProcessClient(e.srv.MCP())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Initialize(context.Background(), mcp.InitializeRequest{Params: mcp.InitializeParams{
		ClientInfo: mcp.Implementation{Name: "tools_test", Version: "1"}}}); err != nil {
		t.Fatal(err)
	}
	log := watchProgress(c)
	res, err := c.CallTool(context.Background(), mcp.CallToolRequest{Params: mcp.CallToolParams{
		Name: "index_repository", Arguments: map[string]any{"path": repo},
		Meta: &mcp.Meta{ProgressToken: "index-1"},
	}})
	if err != nil || res.IsError {
		t.Fatalf("index_repository: %v %v", err, text(res))
	}
	id := e.checkOutput(t, c, "index_repository", res)["job_id"].(string)

	// The job is held at its first batch: the call has returned already.
	<-gate.entered
	waiter := e.client(t)
	wlog := watchProgress(waiter)
	done := make(chan *mcp.CallToolResult, 1)
	go func() {
		r, err := waiter.CallTool(context.Background(), mcp.CallToolRequest{Params: mcp.CallToolParams{
			Name: "get_indexing_status", Arguments: map[string]any{"job_id": id, "wait_seconds": 30},
			Meta: &mcp.Meta{ProgressToken: 7},
		}})
		if err != nil {
			t.Error(err)
		}
		done <- r
	}()
	time.Sleep(100 * time.Millisecond) // let the waiter start waiting
	gate.release()
	var r *mcp.CallToolResult
	select {
	case r = <-done:
	case <-time.After(time.Minute):
		t.Fatal("get_indexing_status did not return")
	}
	j := e.checkOutput(t, waiter, "get_indexing_status", r)
	if j["state"] != "succeeded" {
		t.Fatalf("job %v", j)
	}
	checkProgress(t, wlog.get("7"), 8)

	deadline := time.After(10 * time.Second)
	for len(log.get("index-1")) == 0 || log.get("index-1")[len(log.get("index-1"))-1]["progress"].(float64) < 8 {
		select {
		case <-log.signal:
		case <-deadline:
			t.Fatalf("index_repository's progress: %v", log.get("index-1"))
		}
	}
	checkProgress(t, log.get("index-1"), 8)

	// A client that did not ask gets none.
	plain := e.client(t)
	plog := watchProgress(plain)
	s := &session{t: t, env: e, c: plain}
	s.index(repo, "other", false, "succeeded")
	time.Sleep(100 * time.Millisecond)
	plog.mu.Lock()
	n := len(plog.byTok)
	plog.mu.Unlock()
	if n != 0 {
		t.Errorf("progress sent to a client that did not ask: %v", plog.byTok)
	}
}
