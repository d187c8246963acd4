package github

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeGitHub is a hand-written fake of the parts of GitHub's REST API the
// gate uses: issue comments (listed with Link-header pagination, created,
// updated) and pull requests (read). Faults are injected per request.
type fakeGitHub struct {
	token string
	// pageSize caps per_page, so that a few comments span several pages.
	pageSize int

	mu       sync.Mutex
	comments map[int][]*fakeComment // by issue number, in creation order
	heads    map[int]string         // pull request number -> head sha
	nextID   int64
	requests []string // "METHOD path?query", in order

	// forbidWrites answers creates and updates as GitHub does for a
	// read-only token.
	forbidWrites bool
	// fail502 answers the next n requests with 502 Bad Gateway.
	fail502 int
	// drop closes the connection of the next n requests without a response.
	drop int
	// createThen502 stores the next n created comments but answers 502, as
	// when a gateway times out on a request GitHub completed.
	createThen502 int
	// fail500Echo answers every request with a 500 whose message quotes
	// the Authorization header, as a careless proxy might.
	fail500Echo bool

	mux *http.ServeMux
	srv *httptest.Server
}

var _ http.Handler = (*fakeGitHub)(nil)

type fakeComment struct {
	ID      int64    `json:"id"`
	Body    string   `json:"body"`
	User    fakeUser `json:"user"`
	HTMLURL string   `json:"html_url"`
}

type fakeUser struct {
	Login string `json:"login"`
	Type  string `json:"type"`
}

var (
	botUser   = fakeUser{Login: "github-actions[bot]", Type: "Bot"}
	humanUser = fakeUser{Login: "alice", Type: "User"}
)

// newFakeGitHub starts a fake that accepts token and serves pages of
// pageSize comments.
func newFakeGitHub(t *testing.T, token string, pageSize int) *fakeGitHub {
	t.Helper()
	f := &fakeGitHub{token: token, pageSize: pageSize, comments: map[int][]*fakeComment{}, heads: map[int]string{}, nextID: 1000}
	f.mux = http.NewServeMux()
	f.mux.HandleFunc("GET /repos/{owner}/{repo}/issues/{number}/comments", f.listComments)
	f.mux.HandleFunc("POST /repos/{owner}/{repo}/issues/{number}/comments", f.createComment)
	f.mux.HandleFunc("PATCH /repos/{owner}/{repo}/issues/comments/{id}", f.updateComment)
	f.mux.HandleFunc("GET /repos/{owner}/{repo}/pulls/{number}", f.getPull)
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	return f
}

// URL is the API root, as GITHUB_API_URL holds it.
func (f *fakeGitHub) URL() string { return f.srv.URL }

func (f *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.Method+" "+r.URL.RequestURI())
	switch {
	case f.drop > 0:
		f.drop--
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	case f.fail502 > 0:
		f.fail502--
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprint(w, "<html><body><h1>502 Bad Gateway</h1></body></html>")
		return
	case f.fail500Echo:
		writeJSON(w, http.StatusInternalServerError, map[string]string{"message": "upstream rejected " + r.Header.Get("Authorization")})
		return
	case r.Header.Get("Authorization") != "Bearer "+f.token:
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"})
		return
	}
	f.mux.ServeHTTP(w, r)
}

func (f *fakeGitHub) listComments(w http.ResponseWriter, r *http.Request) {
	n, _ := strconv.Atoi(r.PathValue("number"))
	all := f.comments[n]
	perPage, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	if perPage <= 0 || perPage > f.pageSize {
		perPage = f.pageSize
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	if page <= 0 {
		page = 1
	}
	last := max(1, (len(all)+perPage-1)/perPage)
	lo, hi := min((page-1)*perPage, len(all)), min(page*perPage, len(all))
	var links []string
	link := func(p int, rel string) {
		u := *r.URL
		q := u.Query()
		q.Set("page", strconv.Itoa(p))
		u.RawQuery = q.Encode()
		links = append(links, fmt.Sprintf(`<%s%s>; rel="%s"`, f.srv.URL, u.RequestURI(), rel))
	}
	if page > 1 {
		link(page-1, "prev")
	}
	if page < last {
		link(page+1, "next")
		link(last, "last")
	}
	if page > 1 {
		link(1, "first")
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	writeJSON(w, http.StatusOK, all[lo:hi])
}

func (f *fakeGitHub) createComment(w http.ResponseWriter, r *http.Request) {
	if f.forbidWrites {
		writeForbidden(w, "create-an-issue-comment")
		return
	}
	n, _ := strconv.Atoi(r.PathValue("number"))
	var req struct{ Body string }
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Body == "" {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "Invalid request."})
		return
	}
	c := f.add(n, botUser, req.Body)
	if f.createThen502 > 0 {
		f.createThen502--
		writeJSON(w, http.StatusBadGateway, map[string]string{"message": "Server Error"})
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

func (f *fakeGitHub) updateComment(w http.ResponseWriter, r *http.Request) {
	if f.forbidWrites {
		writeForbidden(w, "update-an-issue-comment")
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	var req struct{ Body string }
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Body == "" {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "Invalid request."})
		return
	}
	for _, cs := range f.comments {
		for _, c := range cs {
			if c.ID == id {
				c.Body = req.Body
				writeJSON(w, http.StatusOK, c)
				return
			}
		}
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
}

func (f *fakeGitHub) getPull(w http.ResponseWriter, r *http.Request) {
	n, _ := strconv.Atoi(r.PathValue("number"))
	sha, ok := f.heads[n]
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"number": n, "head": map[string]string{"sha": sha}})
}

// add stores a comment; the caller holds f.mu or owns f exclusively.
func (f *fakeGitHub) add(number int, user fakeUser, body string) *fakeComment {
	f.nextID++
	c := &fakeComment{ID: f.nextID, Body: body, User: user,
		HTMLURL: fmt.Sprintf("https://github.com/perfgate/perfgate/pull/%d#issuecomment-%d", number, f.nextID)}
	f.comments[number] = append(f.comments[number], c)
	return c
}

// seed adds a comment by someone else.
func (f *fakeGitHub) seed(number int, user fakeUser, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.add(number, user, body)
}

// ours returns the comments on number that hold the marker.
func (f *fakeGitHub) ours(number int) []fakeComment {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeComment
	for _, c := range f.comments[number] {
		if isOurs(c.Body) {
			out = append(out, *c)
		}
	}
	return out
}

// count returns how many comments number has.
func (f *fakeGitHub) count(number int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.comments[number])
}

// calls returns the requests so far and forgets them.
func (f *fakeGitHub) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.requests
	f.requests = nil
	return out
}

// set runs fn with the fake locked, to change its modes.
func (f *fakeGitHub) set(fn func(f *fakeGitHub)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func writeForbidden(w http.ResponseWriter, op string) {
	writeJSON(w, http.StatusForbidden, map[string]string{
		"message":           "Resource not accessible by integration",
		"documentation_url": "https://docs.github.com/rest/issues/comments#" + op,
		"status":            "403",
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// pathOf strips the query from a recorded request.
func pathOf(call string) string {
	u, err := url.Parse(strings.SplitN(call, " ", 2)[1])
	if err != nil {
		return call
	}
	return strings.SplitN(call, " ", 2)[0] + " " + u.Path
}
