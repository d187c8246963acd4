//go:build unix

package embed

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// codeChunks cuts Go standard library files into 40-line pieces, about the
// size of a chunk.
func codeChunks(b *testing.B, n int) []string {
	b.Helper()
	files, err := filepath.Glob(filepath.Join(runtime.GOROOT(), "src", "net", "http", "*.go"))
	if err != nil || len(files) == 0 {
		b.Fatalf("no corpus: %v", err)
	}
	var out []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		lines := strings.Split(string(data), "\n")
		for i := 0; i < len(lines) && len(out) < n; i += 40 {
			out = append(out, strings.Join(lines[i:min(i+40, len(lines))], "\n"))
		}
	}
	return out
}

// BenchmarkBuiltin embeds batches of 256 code chunks (about 1.3 KB each)
// and reports chunks/s.
func BenchmarkBuiltin(b *testing.B) {
	chunks := codeChunks(b, 2048)
	var size int
	for _, c := range chunks {
		size += len(c)
	}
	e := NewBuiltin(BuiltinConfig{})
	b.SetBytes(int64(size))
	start, rounds, cpu0 := time.Now(), 0, cpuTime()
	for b.Loop() {
		rounds++
		for i := 0; i < len(chunks); i += 256 {
			if _, err := e.Embed(b.Context(), chunks[i:min(i+256, len(chunks))]); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(chunks)*rounds)/time.Since(start).Seconds(), "chunks/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(len(chunks)*rounds)/cpu.Seconds(), "chunks/cpu-s")
	}
}

// cpuTime is the CPU time the process has used: on a shared machine a
// steadier measure of cost than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
