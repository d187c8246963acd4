// Package fakecodebase is a stand-in for codebase-mcp in tests: a real MCP
// server over streamable HTTP (mcp-go, in an httptest.Server) with the one
// tool workflow-mcp calls, get_code_reference_status, answering from files
// the test sets.
//
//	fake := fakecodebase.New(t)
//	fake.Set("repo", "main.go", "hash-1")
//	checker := codeclient.New(codeclient.Config{URL: fake.URL})
//	fake.Set("repo", "main.go", "hash-2") // now "changed"
//	fake.Close()                           // now unreachable
package fakecodebase

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/perfgate/perfgate/servers/workflow/codeclient"
)

// Server is the fake codebase-mcp.
type Server struct {
	// URL is the MCP endpoint, http://127.0.0.1:port/mcp.
	URL string

	http  *httptest.Server
	close sync.Once
	mu    sync.Mutex
	files map[[3]string]string // (project, repository, path) -> content hash
	calls int
}

// New starts a fake with no files, closed when the test ends.
func New(t testing.TB) *Server {
	f := &Server{files: map[[3]string]string{}}
	s := server.NewMCPServer("fake-codebase-mcp", "test", server.WithToolCapabilities(false))
	s.AddTool(mcp.NewTool(codeclient.ToolName,
		mcp.WithDescription("Whether indexed code still has a content hash."),
		mcp.WithString("repository", mcp.Required()),
		mcp.WithString("path", mcp.Required()),
		mcp.WithString("symbol"),
		mcp.WithString("content_hash", mcp.Required()),
		mcp.WithNumber("start_line"),
		mcp.WithNumber("end_line"),
		mcp.WithString("project"),
	), mcp.NewStructuredToolHandler(f.status))
	f.http = httptest.NewServer(server.NewStreamableHTTPServer(s))
	f.URL = f.http.URL + "/mcp"
	t.Cleanup(f.Close)
	return f
}

func (f *Server) status(ctx context.Context, _ mcp.CallToolRequest, in codeclient.StatusRequest) (codeclient.StatusResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	hash, ok := f.files[key(in.Project, in.Repository, in.Path)]
	switch {
	case !ok:
		return codeclient.StatusResult{Status: "missing"}, nil
	case hash != in.ContentHash:
		return codeclient.StatusResult{Status: "changed"}, nil
	}
	return codeclient.StatusResult{Status: "current"}, nil
}

// Set indexes path of repository with content hash, in the default
// project.
func (f *Server) Set(repository, path, hash string) { f.SetIn("", repository, path, hash) }

// SetIn indexes path of repository with content hash, in project ("" or
// "default" for the default project).
func (f *Server) SetIn(project, repository, path, hash string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files[key(project, repository, path)] = hash
}

// Remove drops path of repository from the default project's index.
func (f *Server) Remove(repository, path string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.files, key("", repository, path))
}

// key names a file of a project, as codebase-mcp does: a request without
// a project asks the default one.
func key(project, repository, path string) [3]string {
	if project == "" {
		project = "default"
	}
	return [3]string{project, repository, path}
}

// Calls is how many status calls the fake answered.
func (f *Server) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// Close stops the fake: from then on it refuses connections.
func (f *Server) Close() {
	f.close.Do(func() {
		f.http.CloseClientConnections()
		f.http.Close()
	})
}
