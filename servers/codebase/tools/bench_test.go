package tools_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/perfgate/perfgate/servers/codebase/fixture"
	"github.com/perfgate/perfgate/servers/codebase/tools/cbserver"
)

// fixtureFiles is the size of the benchmarks' repository: 10,000 files,
// or $PERFGATE_FIXTURE_FILES for a quick run.
func fixtureFiles(b *testing.B) int {
	if v := os.Getenv("PERFGATE_FIXTURE_FILES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("PERFGATE_FIXTURE_FILES=%q: want a positive number", v)
		}
		return n
	}
	return 10_000
}

// fixtureRepo returns a generated repository of n files, kept between runs
// in the temporary directory (generating 10,000 files takes seconds).
func fixtureRepo(b *testing.B, n int) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("perfgate-codebase-fixture-%d-1", n))
	done := dir + ".complete"
	if _, err := os.Stat(done); err == nil {
		return dir
	}
	if err := os.RemoveAll(dir); err != nil {
		b.Fatal(err)
	}
	if err := fixture.Generate(dir, n, 1); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(done, nil, 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

// copyTree copies a directory tree.
func copyTree(b *testing.B, src, dst string) {
	b.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		b.Fatal(err)
	}
}

// rssMB is the process's resident set now and at its peak, in MB.
func rssMB() (now, peak float64) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			now = kb / 1024
		case "VmHWM:":
			peak = kb / 1024
		}
	}
	return now, peak
}

// cpuSeconds is the CPU time of this process and, when the database runs
// on this machine, of its server (the postmaster's children, alive or
// exited), so that a run on a busy machine still tells what the work costs.
func cpuSeconds(b *testing.B, e *env) (self, pg float64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	}
	var backend int
	err := e.srv.DB().Do(context.Background(), func(c *pgxpool.Conn) error {
		return c.QueryRow(context.Background(), "SELECT pg_backend_pid()").Scan(&backend)
	})
	if err != nil {
		return self, 0
	}
	st := procStat(backend)
	if st == nil {
		return self, 0 // not on this machine
	}
	postmaster, _ := strconv.Atoi(st[1])
	ticks := 100.0 // USER_HZ
	pm := procStat(postmaster)
	if pm == nil {
		return self, 0
	}
	total := 0.0
	for _, i := range []int{11, 12, 13, 14} { // utime stime cutime cstime
		v, _ := strconv.ParseFloat(pm[i], 64)
		total += v
	}
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		if st := procStat(pid); st != nil && st[1] == strconv.Itoa(postmaster) {
			for _, i := range []int{11, 12} {
				v, _ := strconv.ParseFloat(st[i], 64)
				total += v
			}
		}
	}
	return self, total / ticks
}

// procStat returns the fields of /proc/pid/stat after the command: [0] is
// the state, [1] the parent, [11] utime...
func procStat(pid int) []string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
}

// BenchmarkIndexCold indexes the fixture repository into an empty project
// through index_repository, until get_indexing_status says succeeded and
// a search ranks over it. It reports the job's seconds, files/s, and the
// process's peak RSS (the server runs in the benchmark's process).
func BenchmarkIndexCold(b *testing.B) {
	n := fixtureFiles(b)
	repo := fixtureRepo(b, n)
	e := start(b, cbserver.Options{Roots: []string{repo}}, "")
	s := e.session(b)
	var total time.Duration
	rounds := 0
	self0, pg0 := cpuSeconds(b, e)
	for i := 0; b.Loop(); i++ {
		rounds++
		project := fmt.Sprintf("cold%d", i)
		t := time.Now()
		j := s.index(repo, project, false, "succeeded")
		if got := count(j, "files_indexed"); got != n {
			b.Fatalf("%d files indexed, want %d", got, n)
		}
		hits := s.search(map[string]any{"query": "validate the pending invoice", "project": project})
		total += time.Since(t)
		if len(hits) == 0 {
			b.Fatal("no hits after indexing")
		}
		if i == 0 {
			b.Logf("job: counts %v timings %v", j["counts"], j["timings"])
		}
	}
	self1, pg1 := cpuSeconds(b, e)
	_, peak := rssMB()
	b.ReportMetric((self1-self0)/float64(rounds), "go-cpu-s/index")
	b.ReportMetric((pg1-pg0)/float64(rounds), "pg-cpu-s/index")
	b.ReportMetric(total.Seconds()/float64(rounds), "s/index")
	b.ReportMetric(float64(n*rounds)/total.Seconds(), "files/s")
	b.ReportMetric(peak, "peak-rss-MB")
}

// BenchmarkReindexOneFile changes one file of the indexed fixture and
// re-indexes it.
func BenchmarkReindexOneFile(b *testing.B) {
	n := fixtureFiles(b)
	work := filepath.Join(b.TempDir(), "repo")
	copyTree(b, fixtureRepo(b, n), work)
	e := start(b, cbserver.Options{Roots: []string{work}}, "")
	s := e.session(b)
	s.index(work, "", false, "succeeded")
	target := findFile(b, work, ".py")
	orig, err := os.ReadFile(target)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		edit := fmt.Sprintf("%s\n\ndef changed_function_%d(value):\n    \"\"\"Changed for round %d.\"\"\"\n    return value\n", orig, i, i)
		if err := os.WriteFile(target, []byte(edit), 0o644); err != nil {
			b.Fatal(err)
		}
		j := s.index(work, "", false, "succeeded")
		if got := count(j, "files_indexed"); got != 1 {
			b.Fatalf("%d files indexed, want 1", got)
		}
	}
}

// findFile returns the first file under dir with the extension.
func findFile(b *testing.B, dir, ext string) string {
	var found string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && found == "" && !d.IsDir() && strings.HasSuffix(p, ext) {
			found = p
		}
		return nil
	})
	if found == "" {
		b.Fatalf("no %s file under %s", ext, dir)
	}
	return found
}

// benchQueries are what the search benchmark asks, words of the fixture's
// vocabulary as a user would put them.
var benchQueries = []string{
	"validate the pending invoice",
	"parse shipment address",
	"retry the failed payment",
	"cache user session tokens",
	"compute the monthly report totals",
	"send notification email to customer",
	"load configuration from file",
	"merge alert thresholds",
	"serialize order to json",
	"authorize the request token",
}

// BenchmarkSearchConcurrent runs search_code from 10 clients at once over
// streamable HTTP on the indexed fixture, and reports the latency
// percentiles of the calls (HdrHistogram, one per client, merged).
func BenchmarkSearchConcurrent(b *testing.B) {
	n := fixtureFiles(b)
	repo := fixtureRepo(b, n)
	e := start(b, cbserver.Options{Roots: []string{repo}}, "")
	s := e.session(b)
	s.index(repo, "", false, "succeeded")
	const clients = 10
	sessions := make([]*session, clients)
	for i := range sessions {
		sessions[i] = e.session(b)
	}
	if d, err := time.ParseDuration(os.Getenv("PERFGATE_SETTLE")); err == nil {
		time.Sleep(d) // let autovacuum pass over the fresh tables
	}
	for _, q := range benchQueries { // warm the caches and the statistics
		s.search(map[string]any{"query": q})
	}
	hists := make([]*hdrhistogram.Histogram, clients)
	for i := range hists {
		hists[i] = hdrhistogram.New(1, int64(30*time.Second/time.Microsecond), 3)
	}
	var next sync.Mutex
	calls := 0
	self0, pg0 := cpuSeconds(b, e)
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		var wg sync.WaitGroup
		for c := range clients {
			wg.Go(func() {
				for k := 0; k < 10; k++ {
					next.Lock()
					q := benchQueries[calls%len(benchQueries)]
					calls++
					next.Unlock()
					t := time.Now()
					res, err := sessions[c].c.CallTool(context.Background(), mcp.CallToolRequest{Params: mcp.CallToolParams{
						Name: "search_code", Arguments: map[string]any{"query": q}}})
					if err != nil || res.IsError {
						b.Errorf("search_code: %v %v", err, res)
						return
					}
					_ = hists[c].RecordValue(time.Since(t).Microseconds())
				}
			})
		}
		wg.Wait()
	}
	elapsed := time.Since(start)
	b.StopTimer()
	self1, pg1 := cpuSeconds(b, e)
	h := hists[0]
	for _, o := range hists[1:] {
		h.Merge(o)
	}
	us := func(q float64) float64 { return float64(h.ValueAtQuantile(q)) * 1000 }
	b.ReportMetric(us(50), "p50-ns/op")
	b.ReportMetric(us(95), "p95-ns/op")
	b.ReportMetric(us(99), "p99-ns/op")
	b.ReportMetric(float64(h.TotalCount())/elapsed.Seconds(), "req/s")
	b.ReportMetric((self1-self0)*1e3/float64(h.TotalCount()), "go-cpu-ms/req")
	b.ReportMetric((pg1-pg0)*1e3/float64(h.TotalCount()), "pg-cpu-ms/req")
	b.Logf("%d calls on %d cores: p50 %.1fms p95 %.1fms p99 %.1fms", h.TotalCount(), runtime.NumCPU(), us(50)/1e6, us(95)/1e6, us(99)/1e6)
}

// BenchmarkPreviewRepository previews the fixture repository through
// preview_repository (target: under a second for 10,000 files).
func BenchmarkPreviewRepository(b *testing.B) {
	n := fixtureFiles(b)
	repo := fixtureRepo(b, n)
	e := start(b, cbserver.Options{Roots: []string{repo}}, "")
	s := e.session(b)
	for b.Loop() {
		out := s.ok("preview_repository", map[string]any{"path": repo})
		if int(out["files"].(float64)) != n {
			b.Fatalf("preview: %v files, want %d", out["files"], n)
		}
	}
}
