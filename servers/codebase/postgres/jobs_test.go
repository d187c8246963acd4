package pgstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/perfgate/perfgate/servers/codebase/index"
	pgstore "github.com/perfgate/perfgate/servers/codebase/postgres"
)

// A project keeps its newest KeepJobs finished jobs; older ones are
// forgotten when a job is created, another project's are not touched.
func TestJobRetention(t *testing.T) {
	t.Parallel()
	st, e := newEngine(t, pgstore.Config{KeepJobs: 2}, index.Config{})
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.go": "package a\n\n// Add adds.\nfunc Add(a, b int) int { return a + b }\n"})
	other := indexDir(t, e, index.Request{Root: dir, Project: "other"}, index.JobSucceeded)
	var ids []string
	for range 5 {
		ids = append(ids, indexDir(t, e, index.Request{Root: dir, Project: "p"}, index.JobSucceeded).ID)
	}
	ctx := context.Background()
	for i, id := range ids {
		_, err := st.Job(ctx, id)
		// Creating job 5 kept jobs 3 and 4 (2 finished); job 5 is new.
		kept := i >= len(ids)-3
		switch {
		case kept && err != nil:
			t.Errorf("job %d of 5: %v, want it kept", i+1, err)
		case !kept && !errors.Is(err, index.ErrJobNotFound):
			t.Errorf("job %d of 5: error %v, want it forgotten (ErrJobNotFound)", i+1, err)
		}
	}
	if _, err := st.Job(ctx, other.ID); err != nil {
		t.Errorf("the other project's job: %v", err)
	}
}
