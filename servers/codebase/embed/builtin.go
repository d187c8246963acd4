package embed

import (
	"context"
	"math"
	"runtime"
	"sync"

	"github.com/perfgate/perfgate/servers/codebase"
)

// BuiltinModel is the model id of the builtin embedder. A change to the way
// it embeds must change this id, so that an index refuses to mix vectors.
const BuiltinModel = "builtin-code-v1"

// DefaultBuiltinDimension is the builtin embedder's default dimension.
const DefaultBuiltinDimension = 384

// Feature weights: whole identifiers and their words count fully, character
// trigrams less; they only help partial and misspelt matches.
const (
	weightWord    = 1.0
	weightTrigram = 0.35
)

// BuiltinConfig configures the builtin embedder. The zero value is ready.
type BuiltinConfig struct {
	// Dimension of the vectors. Default DefaultBuiltinDimension.
	Dimension int
}

// Builtin is the default embedder: offline, deterministic, no model. It
// hashes features of code into a fixed number of dimensions ("the hashing
// trick"): each identifier whole and lowercased (underscores dropped, so
// max_retries and maxRetries meet), each of its words split on case,
// underscores and digits and reduced to a crude stem, and each word's
// character trigrams. Features are weighted 1+ln(tf), signed by a bit of
// their hash so that collisions cancel rather than pile up, and the vector
// is L2-normalised, so cosine similarity is a dot product. Stop words
// (English and the languages' keywords) and one-letter words are left out.
//
// Vectors are a pure function of the text: the same text gives the same
// vector on every call (to within floating-point rounding across platforms).
type Builtin struct {
	dim     int
	scratch sync.Pool
}

var _ codebase.Embedder = (*Builtin)(nil)

// NewBuiltin returns the builtin embedder.
func NewBuiltin(cfg BuiltinConfig) *Builtin {
	if cfg.Dimension <= 0 {
		cfg.Dimension = DefaultBuiltinDimension
	}
	return &Builtin{dim: cfg.Dimension, scratch: sync.Pool{New: func() any { return newFeatures() }}}
}

// Model returns BuiltinModel.
func (b *Builtin) Model() string { return BuiltinModel }

// Dimension returns the length of the vectors.
func (b *Builtin) Dimension() int { return b.dim }

// Embed returns one vector per text. Large batches are spread over
// GOMAXPROCS goroutines. It fails only if ctx is done.
func (b *Builtin) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	workers := min(runtime.GOMAXPROCS(0), (len(texts)+31)/32)
	if workers <= 1 {
		for i, t := range texts {
			if i%64 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			out[i] = b.vector(t)
		}
		return out, nil
	}
	var wg sync.WaitGroup
	var next sync.Mutex
	n := 0
	for range workers {
		wg.Go(func() {
			for {
				next.Lock()
				i := n
				n += 32
				next.Unlock()
				if i >= len(texts) || ctx.Err() != nil {
					return
				}
				for j := i; j < min(i+32, len(texts)); j++ {
					out[j] = b.vector(texts[j])
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// features counts a text's features by hash, reused between texts.
type features struct {
	counts map[uint64]uint32
	// Scratch space for one identifier.
	whole, word, stem []byte
	spans             []int
	acc               []float64
}

func newFeatures() *features {
	return &features{counts: make(map[uint64]uint32, 1024)}
}

// Feature kinds, mixed into the hash so that the word "get" and the
// trigram "get" are different features.
const (
	kindWhole   = 1
	kindWord    = 2
	kindTrigram = 3
)

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hashBytes(kind byte, b []byte) uint64 {
	h := uint64(fnvOffset)
	h ^= uint64(kind)
	h *= fnvPrime
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime
	}
	// A final mix (from SplitMix64) spreads FNV's low bits, which pick the
	// dimension.
	h ^= h >> 31
	h *= 0x7fb5d329728ea185
	h ^= h >> 27
	return h
}

func (b *Builtin) vector(text string) []float32 {
	f := b.scratch.Get().(*features)
	defer b.scratch.Put(f)
	clear(f.counts)
	b.collect(f, text)

	v := make([]float32, b.dim)
	if len(f.counts) == 0 {
		v[0] = 1 // no feature at all: a fixed unit vector
		return v
	}
	var norm float64
	if cap(f.acc) < b.dim {
		f.acc = make([]float64, b.dim)
	}
	acc := f.acc[:b.dim]
	clear(acc)
	for h, n := range f.counts {
		w := weightWord
		if h&3 == kindTrigram { // the kind is kept in the two low bits
			w = weightTrigram
		}
		x := w * (1 + math.Log(float64(n)))
		if h>>63 == 1 {
			x = -x
		}
		acc[(h>>2)%uint64(b.dim)] += x
	}
	for _, x := range acc {
		norm += x * x
	}
	if norm == 0 {
		v[0] = 1
		return v
	}
	inv := 1 / math.Sqrt(norm)
	for i, x := range acc {
		v[i] = float32(x * inv)
	}
	return v
}

// add counts a feature; the two low bits of the key hold its kind.
func (f *features) add(kind byte, b []byte) {
	f.counts[hashBytes(kind, b)&^3|uint64(kind&3)]++
}

// collect finds the features of a text.
func (b *Builtin) collect(f *features, text string) {
	for i := 0; i < len(text); {
		if !codebase.IsWordByte(text[i]) {
			i++
			continue
		}
		j := i
		for j < len(text) && codebase.IsWordByte(text[j]) {
			j++
		}
		b.identifier(f, text[i:j])
		i = j
	}
}

func (b *Builtin) identifier(f *features, id string) {
	// The whole identifier, lowercased, underscores dropped.
	whole := f.whole[:0]
	for i := 0; i < len(id); i++ {
		if id[i] != '_' {
			whole = append(whole, codebase.Lower(id[i]))
		}
	}
	f.whole = whole
	if len(whole) < 2 || stopwords[string(whole)] {
		return
	}
	f.spans = codebase.SplitIdentifier(id, f.spans[:0])
	for k := 0; k+1 < len(f.spans); k += 2 {
		w := id[f.spans[k]:f.spans[k+1]]
		// The word between boundary marks, lowercased: "<parse>".
		g := append(f.word[:0], '<')
		for i := 0; i < len(w); i++ {
			g = append(g, codebase.Lower(w[i]))
		}
		g = append(g, '>')
		f.word = g
		lw := g[1 : len(g)-1]
		if len(lw) < 2 || stopwords[string(lw)] {
			continue
		}
		// Trigrams of the marked word: "<pa", "par", ..., "se>".
		if len(lw) >= 3 {
			for i := 0; i+3 <= len(g); i++ {
				f.add(kindTrigram, g[i:i+3])
			}
		}
		f.stem = append(f.stem[:0], lw...)
		f.add(kindWord, codebase.Stem(f.stem))
	}
	if len(f.spans) > 2 {
		f.add(kindWhole, whole)
	}
}
