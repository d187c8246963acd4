package config_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/perfgate/perfgate/gate/config"
)

// BenchmarkParse measures parsing the full example configuration, which
// perfgate does once per run.
func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(fixtures, "full.yml"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := config.Parse("full.yml", data); err != nil {
			b.Fatal(err)
		}
	}
}
