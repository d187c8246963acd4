// Package pgstore is codebase-mcp's index.Store on PostgreSQL with pgvector.
//
// # Layout
//
// The shared schema "codebase" (goose migrations, Migrations) holds the
// projects (name, the schema holding their data, the embedder model and
// dimension, the vector index) and the indexing jobs. Each project's
// repositories, files and chunks live in a schema of its own, named
// "cb_<name>_<random>" and always quoted: a search of one project cannot
// read another's rows. A project refuses vectors of another embedder
// (index.MismatchError); index_repository with force rebuilds it into a new
// schema and swaps it in, in one transaction.
//
// # Writes
//
// A repository's first index writes straight to the tables, one
// transaction per batch of files (COPY for the chunks), so a search sees
// whole files appear; a first index of at least Config.BulkMinFiles files
// drops the secondary indexes and builds them afterwards, on two
// connections at once. An update stages its files in temporary tables and
// applies them, with the deletions, in one transaction at Commit. Closing
// a Load before Commit undoes everything, so a failed job leaves the index
// as it was.
//
// # Search
//
// Vector: cosine distance on halfvec columns, through an IVFFlat index once
// a project holds Config.VectorIndexMinRows chunks. Lexical: a tsvector
// built in Go (identifiers whole and split into words, crude stems, the
// symbol's words weighted A), in a narrow table "terms" with a GIN index,
// apart from the wide chunk rows: reading candidates there is four times
// cheaper. A query's candidates are the chunks holding its rarest lexemes
// (frequencies from pg_stats after ANALYZE), OR-ed while their estimated
// count stays under Config.LexicalCandidates, AND-ed when even the rarest
// is too common, and at most that many are scored: ts_rank per lexeme,
// weighted by its BM25 inverse document frequency. Hybrid: the union of
// the index's nearest chunks and the lexical candidates is ordered by
// exact distance, and the two rankings are fused by reciprocal rank
// (k = 60), in one statement.
//
// # Choosing the vector index
//
// Measured on the 10,000-file fixture: 125,018 chunks of 384 dimensions,
// PostgreSQL 15, pgvector 0.8.0, 2 cores shared with other builds,
// maintenance_work_mem 512MB and one parallel worker for the builds:
//
//	index                              build      scan (top 50)        recall@10*
//	HNSW halfvec m=16 ef_c=64          70 s       -                    -
//	HNSW halfvec m=12 ef_c=32          32 s       -                    -
//	HNSW binary_quantize bit(384)      70 s       -                    -
//	IVFFlat halfvec lists=350          8.4 s      -                    -
//	IVFFlat halfvec lists=120          4.5 s      2.5 ms  probes=1     0.56
//	                                              ~11 ms  probes=10    0.96
//	IVFFlat vector lists=120           8.6 s      12-15 ms probes=10   -
//	no index, halfvec (exact)          -          250-500 ms           1
//	no index, vector (exact)           -          ~940 ms              1
//
// (*the chunks' own vectors as queries.) A cold index of the fixture must
// finish, vector index built, under 30 s; chunking alone takes 30 s of CPU
// of it, so HNSW, at 32-70 s to build on its own, is out, even on binary
// quantized vectors (the build is graph work, not distances). IVFFlat
// builds in seconds, after the bulk load (its lists are k-means of the
// data) and in parallel with the GIN index, on a second connection;
// lists = rows/1000 (pgvector's advice). halfvec halves the table and the
// index against vector, is as fast to scan here, and indexes up to 4,000
// dimensions (vector: 2,000). The index is built once a project holds
// 5,000 chunks (an exact scan costs about 0.5 µs a chunk; the index, with
// 2 probes of lists of 1,000, about 2,000 distances), rebuilt when the
// project has doubled or halved since, and dropped below the minimum.
//
// IVFFlat's recall is poor for queries written in words: hashed or learnt,
// a question does not sit near the chunks' clusters the way a chunk does.
// On the Go standard library (eval), vector-only MRR@10 is 0.63 probing
// half the lists, 0.55 a tenth, 0.29 two lists. The hybrid ranking does
// not depend on it: ordering the lexical candidates by exact distance
// recovers what the index misses, and hybrid MRR@10 is 0.77 whether it
// probes a tenth or two lists. Probing 2 (Config.ProbeDivisor) keeps the
// vector side of a search under 1 ms of database CPU on 125,000 chunks.
//
// # What a search costs
//
// Measured on the fixture (125,018 chunks; backend CPU of the statement
// alone, 100 executions x 7 rounds, median), a hybrid search of three
// common words costs about 2.4 ms: selecting the candidates from the GIN
// index 1.1 ms (an AND of posting lists of 6,000 to 13,000 chunks each),
// scoring them 0.6 ms (150 candidates x 3 lexemes x 1.3 us of ts_rank;
// TOAST plays no part: the tsvectors are mostly stored inline, and storing
// them uncompressed changed nothing), the vector side 0.5 ms, ranking the
// lexical hits by distance and fusing under 0.3 ms. Scoring 250 candidates
// and ranking 100 lexical hits cost about 1 ms more, and ranked worse on
// the Go standard library; planning the statement for each search's values
// cost 0.4-0.7 ms more than its generic plan, which is the same plan.
//
// Example:
//
//	db, _ := pgdb.New(pgdb.Config{URL: url, Migrations: pgstore.Migrations(), MigrationsTable: pgstore.MigrationsTable})
//	db.Start()
//	store := pgstore.New(db, pgstore.Config{})
//	engine, _ := index.New(store, embedder, index.Config{})
package pgstore
