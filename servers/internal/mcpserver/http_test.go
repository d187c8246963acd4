package mcpserver_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/perfgate/perfgate/servers/internal/mcpserver"
)

// TestHostGuard checks the DNS-rebinding protection on a loopback listener:
// a loopback Host and a host given with --allowed-hosts reach /mcp, any
// other Host is refused.
func TestHostGuard(t *testing.T) {
	t.Parallel()
	cfg := mcpserver.DefaultConfig("guard-mcp", 0)
	cfg.Transport = mcpserver.TransportHTTP
	cfg.Addr = "127.0.0.1:1"
	cfg.DB.URL = "postgres://postgres@127.0.0.1:1/none?sslmode=disable"
	cfg.AllowedHosts = []string{"mcp.example"}
	srv, err := mcpserver.New(cfg, mcpserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)

	const initialize = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",` +
		`"capabilities":{},"clientInfo":{"name":"guard-test","version":"1"}}}`
	for _, tt := range []struct {
		host string
		want int
	}{
		{strings.TrimPrefix(ts.URL, "http://"), http.StatusOK},
		{"localhost", http.StatusOK},
		{"mcp.example", http.StatusOK},
		{"mcp.example:8732", http.StatusOK},
		{"evil.example", http.StatusForbidden},
	} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, ts.URL+"/mcp", strings.NewReader(initialize))
		if err != nil {
			t.Fatal(err)
		}
		req.Host = tt.host
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		res, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tt.want {
			t.Errorf("Host %s: status %d, want %d", tt.host, res.StatusCode, tt.want)
		}
	}
}
