package mcpserver

import (
	"bytes"
	"crypto/subtle"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// handler builds the HTTP routes: /mcp, /healthz and /metrics behind the
// Host/Origin guard; /mcp and /metrics behind the token when there is one.
func (s *Server) buildHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/mcp", s.requireToken(s.limitBody(s.streamable)))
	mux.Handle("GET /healthz", s.health)
	mux.Handle("GET /metrics", s.requireToken(s.metrics.Handler()))
	return s.guard(mux)
}

// guard is the DNS-rebinding protection: a request that arrived on a
// loopback address must name a loopback host (or an allowed one) in Host,
// and a browser's Origin, when present, must be a loopback or allowed one.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.hostAllowed(r) {
			http.Error(w, fmt.Sprintf("forbidden: Host %q is not allowed here (DNS-rebinding protection): "+
				"connect through localhost or 127.0.0.1, or start the server with --allowed-hosts", r.Host), http.StatusForbidden)
			return
		}
		if origin := r.Header.Get("Origin"); origin != "" && !s.originAllowed(origin) {
			http.Error(w, fmt.Sprintf("forbidden: Origin %q is not allowed (DNS-rebinding protection): "+
				"start the server with --allowed-origins %s to accept it", origin, origin), http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) hostAllowed(r *http.Request) bool {
	if slices.ContainsFunc(s.cfg.AllowedHosts, func(h string) bool {
		return strings.EqualFold(h, r.Host) || strings.EqualFold(h, hostOnly(r.Host))
	}) {
		return true
	}
	local, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if local == nil || addrIsLoopback(local) {
		return isLoopback(hostOnly(r.Host))
	}
	// A request over the network: Host is what the client dialled, unless
	// the operator listed the names to accept.
	return len(s.cfg.AllowedHosts) == 0
}

func (s *Server) originAllowed(origin string) bool {
	if slices.ContainsFunc(s.cfg.AllowedOrigins, func(o string) bool {
		return o == "*" || strings.EqualFold(strings.TrimSuffix(o, "/"), origin)
	}) {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	return isLoopback(u.Hostname())
}

// hostOnly strips the port from host[:port] and the brackets from [v6].
func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.Trim(hostport, "[]")
}

// addrIsLoopback reports whether a connection's local address is a
// loopback one, without formatting a TCP address to parse it again.
func addrIsLoopback(a net.Addr) bool {
	if tcp, ok := a.(*net.TCPAddr); ok {
		return tcp.IP.IsLoopback()
	}
	return isLoopback(hostOnly(a.String()))
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// requireToken answers 401 unless the request carries the bearer token,
// when one is configured.
func (s *Server) requireToken(next http.Handler) http.Handler {
	if s.token == "" {
		return next
	}
	want := []byte("Bearer " + s.token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get("Authorization"))
		if subtle.ConstantTimeCompare(got, want) != 1 {
			w.Header().Set("WWW-Authenticate", fmt.Sprintf("Bearer realm=%q", s.cfg.Name))
			http.Error(w, "unauthorized: send the header Authorization: Bearer <token>, with the token from the server's --auth-token-file",
				http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// limitBody answers 413 to a body over MaxBodyBytes.
func (s *Server) limitBody(next http.Handler) http.Handler {
	limit := s.cfg.MaxBodyBytes
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > limit {
			tooLarge(w, limit)
			return
		}
		if r.ContentLength >= 0 {
			// A declared length within the limit: the server reads no more
			// than that, so the body needs no copy here.
			next.ServeHTTP(w, r)
			return
		}
		// Read a chunked body here, so that one over the limit gets the same
		// answer as a declared one.
		body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
		if err != nil {
			http.Error(w, "read request body: "+err.Error(), http.StatusBadRequest)
			return
		}
		if int64(len(body)) > limit {
			tooLarge(w, limit)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

func tooLarge(w http.ResponseWriter, limit int64) {
	w.Header().Set("Connection", "close")
	http.Error(w, fmt.Sprintf("request body over %d bytes: send less, or start the server with a larger --max-body-bytes", limit),
		http.StatusRequestEntityTooLarge)
}

// unusedConns tracks the connections that have not yet delivered a request
// (http.StateNew). http.Server.Shutdown closes idle connections at once but
// waits up to five seconds for new ones, in case a request is about to
// arrive. Clients that pool connections open such spares often (a request
// that waited for a connection took another that freed up first), so every
// shutdown after load would stall for five seconds. A server that is
// stopping takes no new requests: closeAll ends them instead.
type unusedConns struct {
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

// track is the http.Server's ConnState hook.
func (u *unusedConns) track(c net.Conn, state http.ConnState) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if state == http.StateNew {
		if u.conns == nil {
			u.conns = map[net.Conn]struct{}{}
		}
		u.conns[c] = struct{}{}
		return
	}
	delete(u.conns, c)
}

// closeAll closes every connection that has not delivered a request.
func (u *unusedConns) closeAll() {
	u.mu.Lock()
	defer u.mu.Unlock()
	for c := range u.conns {
		c.Close()
		delete(u.conns, c)
	}
}
