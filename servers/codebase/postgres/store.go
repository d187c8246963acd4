package pgstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/perfgate/perfgate/servers/codebase/index"
	"github.com/perfgate/perfgate/servers/internal/pgdb"
)

// Defaults for Config's zero fields.
const (
	DefaultMaintenanceWorkMem = "512MB"
	DefaultVectorIndexMinRows = 5_000
	DefaultRowsPerList        = 1000
	DefaultProbeDivisor       = 60
	DefaultBulkMinFiles       = 500
	DefaultCandidates         = 50
	DefaultLexicalCandidates  = 150
	DefaultHybridLexicalDepth = 50
	DefaultRRFK               = 60
	DefaultSnippetBytes       = 2000
	DefaultRankWeights        = "{0.1, 0.2, 0.4, 0.3}"
	DefaultKeepJobs           = 100
)

// Config tunes a Store. The zero value uses the defaults, chosen by the
// measurements in the package documentation.
type Config struct {
	// MaintenanceWorkMem is maintenance_work_mem for index builds
	// (default 512MB).
	MaintenanceWorkMem string
	// BuildConnections is how many connections build indexes at once after
	// a bulk load (default 2, one per core of the machine measured).
	BuildConnections int
	// VectorIndexMinRows is the chunk count from which a project gets an
	// IVFFlat index (default 5,000): an exact scan costs about 0.5 µs a
	// chunk (8 ms at 17,000), the index about 2,000 distances a search.
	VectorIndexMinRows int
	// RowsPerList sets the IVFFlat lists: rows / RowsPerList (default 1000,
	// pgvector's advice up to a million rows).
	RowsPerList int
	// ProbeDivisor sets ivfflat.probes: lists / ProbeDivisor, at least 2
	// (default 60). A hybrid search ranks the lexical candidates by exact
	// distance as well, which makes up for what few probes miss: on the
	// standard library, hybrid MRR@10 is 0.757 with lists/10 probes and
	// 0.772 with 2 (other settings changed too), for a third of the
	// vector cost; the vector-only ranking drops from 0.546 to 0.293.
	ProbeDivisor int
	// BulkMinFiles: a first index of at least this many files, and at least
	// as many as the project holds, is a bulk load (default 500): the
	// secondary indexes are dropped for it and built after.
	BulkMinFiles int
	// Candidates is how many chunks each ranking of a hybrid search
	// contributes to the fusion (default 50, or twice the limit).
	Candidates int
	// LexicalCandidates is how many chunks the rarest lexemes of a lexical
	// search may select, and a hard bound on the rows it scores, for words
	// that go together more than the statistics say (default 150): see the
	// package documentation. Fewer candidates rank better as well as faster
	// on the eval corpus, down to about 150: a chunk must hold a rare word
	// of the query to rank. Each candidate costs one ts_rank per lexeme of
	// the query (about 2 µs each), the largest part of a search's database
	// CPU. On the Go standard library (1,000 queries), hybrid MRR@10 was
	// 0.697 with 250, 0.767 with 150, 0.761 with 120, 0.756 with 100.
	LexicalCandidates int
	// HybridLexicalDepth is how many lexical hits a hybrid search ranks
	// (default 50, or the vector ranking's depth when larger): all of them
	// count in the fusion, and are ranked by exact vector distance too (a
	// row lookup each). 100 ranked no better on the Go standard library.
	HybridLexicalDepth int
	// RRFK is the k of reciprocal rank fusion, 1/(k+rank) (default 60).
	RRFK float64
	// VectorWeight and LexicalWeight weigh the two rankings in the fusion
	// (default 1 each).
	VectorWeight, LexicalWeight float64
	// RankWeights are ts_rank's weights of the lexeme labels {D, C, B, A}
	// (default DefaultRankWeights): a chunk's symbol is labelled A, its
	// body D, so a word of the symbol counts three times a word of the
	// body. (The eval's queries leave the function's name out, and score
	// best with no boost at all; a user naming an identifier wants it.)
	RankWeights string
	// RankNormalization is ts_rank's normalization (default 0: none; 1
	// divides by 1 + the log of the chunk's length).
	RankNormalization int
	// SnippetBytes cuts a hit's snippet, at a line end (default 2000).
	SnippetBytes int
	// KeepJobs is how many finished jobs of a project are kept (default
	// 100); older ones are forgotten when a new job is created, and
	// get_indexing_status then no longer finds them.
	KeepJobs int
	// StatsTTL is how long a project's lexeme frequencies are cached
	// (default 1 minute); a commit in this process refreshes them.
	StatsTTL time.Duration
	// Logger receives index builds and rebuilds. Nil discards.
	Logger *slog.Logger
}

// WithDefaults returns c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	if c.MaintenanceWorkMem == "" {
		c.MaintenanceWorkMem = DefaultMaintenanceWorkMem
	}
	if c.BuildConnections == 0 {
		c.BuildConnections = 2
	}
	if c.VectorIndexMinRows == 0 {
		c.VectorIndexMinRows = DefaultVectorIndexMinRows
	}
	if c.RowsPerList == 0 {
		c.RowsPerList = DefaultRowsPerList
	}
	if c.ProbeDivisor == 0 {
		c.ProbeDivisor = DefaultProbeDivisor
	}
	if c.BulkMinFiles == 0 {
		c.BulkMinFiles = DefaultBulkMinFiles
	}
	if c.Candidates == 0 {
		c.Candidates = DefaultCandidates
	}
	if c.KeepJobs <= 0 {
		c.KeepJobs = DefaultKeepJobs
	}
	if c.LexicalCandidates == 0 {
		c.LexicalCandidates = DefaultLexicalCandidates
	}
	if c.HybridLexicalDepth == 0 {
		c.HybridLexicalDepth = DefaultHybridLexicalDepth
	}
	if c.RRFK == 0 {
		c.RRFK = DefaultRRFK
	}
	if c.VectorWeight == 0 {
		c.VectorWeight = 1
	}
	if c.LexicalWeight == 0 {
		c.LexicalWeight = 1
	}
	if c.RankWeights == "" {
		c.RankWeights = DefaultRankWeights
	}
	if c.SnippetBytes == 0 {
		c.SnippetBytes = DefaultSnippetBytes
	}
	if c.StatsTTL == 0 {
		c.StatsTTL = time.Minute
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Store is the PostgreSQL index.Store. It is safe for concurrent use.
type Store struct {
	db  *pgdb.DB
	cfg Config

	mu       sync.Mutex
	projects map[string]projectMeta // by name
	stats    map[string]*lexStats   // by schema

	iterative, iterativeKnown bool // pgvector has iterative index scans
}

var _ index.Store = (*Store)(nil)

// New returns a Store on db, which must have been opened with Migrations()
// and MigrationsTable. It does no I/O.
func New(db *pgdb.DB, cfg Config) *Store {
	return &Store{
		db:       db,
		cfg:      cfg.WithDefaults(),
		projects: map[string]projectMeta{},
		stats:    map[string]*lexStats{},
	}
}

// projectMeta is a row of codebase.projects.
type projectMeta struct {
	Name       string
	Schema     string
	Model      string
	Dimension  int
	VectorType string
	IVFLists   int
	IVFRows    int64
	CreatedAt  time.Time
	UpdatedAt  time.Time
	loadedAt   time.Time
}

// projectTTL bounds how long a project's row is trusted from the cache:
// another server sharing the database may have rebuilt it.
const projectTTL = 5 * time.Second

const projectColumns = "name, schema_name, model, dimension, vector_type, ivf_lists, ivf_rows, created_at, updated_at"

func scanProject(row pgx.Row) (projectMeta, error) {
	var p projectMeta
	err := row.Scan(&p.Name, &p.Schema, &p.Model, &p.Dimension, &p.VectorType, &p.IVFLists, &p.IVFRows, &p.CreatedAt, &p.UpdatedAt)
	return p, err
}

// project returns a project's row, from the cache when fresh, or a
// *index.ProjectNotFoundError.
func (s *Store) project(ctx context.Context, name string, fresh bool) (projectMeta, error) {
	if !fresh {
		s.mu.Lock()
		p, ok := s.projects[name]
		s.mu.Unlock()
		if ok && time.Since(p.loadedAt) < projectTTL {
			return p, nil
		}
	}
	var p projectMeta
	var names []string
	err := s.db.Do(ctx, func(conn *pgxpool.Conn) error {
		var err error
		p, err = scanProject(conn.QueryRow(ctx, "SELECT "+projectColumns+" FROM codebase.projects WHERE name = $1", name))
		if errors.Is(err, pgx.ErrNoRows) {
			rows, qerr := conn.Query(ctx, "SELECT name FROM codebase.projects ORDER BY name")
			if qerr != nil {
				return qerr
			}
			names, qerr = pgx.CollectRows(rows, pgx.RowTo[string])
			if qerr != nil {
				return qerr
			}
		}
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		s.forget(name)
		return projectMeta{}, &index.ProjectNotFoundError{Name: name, Known: names}
	}
	if err != nil {
		return projectMeta{}, fmt.Errorf("look up project %s: %w", name, err)
	}
	s.remember(p)
	return p, nil
}

func (s *Store) remember(p projectMeta) {
	p.loadedAt = time.Now()
	s.mu.Lock()
	s.projects[p.Name] = p
	s.mu.Unlock()
}

func (s *Store) forget(name string) {
	s.mu.Lock()
	delete(s.projects, name)
	s.mu.Unlock()
}

// isStaleSchema reports an error from a query on a schema that another
// server dropped since the project was cached (a rebuild swapped it).
func isStaleSchema(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "3F000" || pgErr.Code == "42P01")
}

// withProject runs fn on a project's row, and once more on a fresh one
// when fn failed because the cached schema is gone.
func (s *Store) withProject(ctx context.Context, name string, fn func(p projectMeta) error) error {
	p, err := s.project(ctx, name, false)
	if err != nil {
		return err
	}
	err = fn(p)
	if !isStaleSchema(err) {
		return err
	}
	if p, err = s.project(ctx, name, true); err != nil {
		return err
	}
	return fn(p)
}

// DB is the store's database.
func (s *Store) DB() *pgdb.DB { return s.db }
