//go:build unix

package chunk_test

import (
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	sitter "github.com/tree-sitter/go-tree-sitter"
	tsgo "github.com/tree-sitter/tree-sitter-go/bindings/go"

	"github.com/perfgate/perfgate/servers/codebase/chunk"
)

// BenchmarkChunkGoroot chunks Go standard library files with one goroutine
// per core, as the indexer does, and reports files/s.
func BenchmarkChunkGoroot(b *testing.B) {
	benchmarkCorpus(b, goroot(b, 2000))
}

// BenchmarkChunkFixture chunks the fixture repository's mix of Python,
// JavaScript, TypeScript, Go and text.
func BenchmarkChunkFixture(b *testing.B) {
	benchmarkCorpus(b, fixtureCorpus(b, 2000))
}

func benchmarkCorpus(b *testing.B, files []corpusFile) {
	c := newChunker(b, chunk.Config{})
	var bytes int64
	for _, f := range files {
		bytes += int64(len(f.src))
	}
	b.SetBytes(bytes)
	var chunks atomic.Int64
	b.ResetTimer()
	cpu0 := cpuTime()
	start, rounds := time.Now(), 0
	for b.Loop() {
		rounds++
		var next atomic.Int64
		var wg sync.WaitGroup
		for range runtime.GOMAXPROCS(0) {
			wg.Go(func() {
				for {
					i := int(next.Add(1)) - 1
					if i >= len(files) {
						return
					}
					out, err := c.Chunk(files[i].path, files[i].lang, files[i].src)
					if err != nil {
						b.Error(err)
						return
					}
					chunks.Add(int64(len(out)))
				}
			})
		}
		wg.Wait()
	}
	elapsed := time.Since(start).Seconds()
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(len(files)*rounds)/elapsed, "files/s")
	b.ReportMetric(float64(chunks.Load())/elapsed, "chunks/s")
	b.ReportMetric(float64(len(files)*rounds)/cpu.Seconds(), "files/cpu-s")
}

// cpuTime is the CPU time the process has used. On a shared machine it is a
// steadier measure of cost than wall time: files/cpu-s is what one core
// sustains.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkParseGoroot parses the same files with tree-sitter alone, no
// query, no chunking: the floor under BenchmarkChunkGoroot.
func BenchmarkParseGoroot(b *testing.B) {
	files := goroot(b, 2000)
	newChunker(b, chunk.Config{}) // same allocator as the chunker
	lang := sitter.NewLanguage(tsgo.Language())
	var bytes int64
	for _, f := range files {
		bytes += int64(len(f.src))
	}
	b.SetBytes(bytes)
	b.ResetTimer()
	cpu0 := cpuTime()
	start, rounds := time.Now(), 0
	for b.Loop() {
		rounds++
		var next atomic.Int64
		var wg sync.WaitGroup
		for range runtime.GOMAXPROCS(0) {
			wg.Go(func() {
				p := sitter.NewParser()
				defer p.Close()
				if err := p.SetLanguage(lang); err != nil {
					b.Error(err)
					return
				}
				for {
					i := int(next.Add(1)) - 1
					if i >= len(files) {
						return
					}
					p.Parse(files[i].src, nil).Close()
				}
			})
		}
		wg.Wait()
	}
	elapsed := time.Since(start).Seconds()
	b.ReportMetric(float64(len(files)*rounds)/elapsed, "files/s")
	b.ReportMetric(float64(len(files)*rounds)/(cpuTime()-cpu0).Seconds(), "files/cpu-s")
}
