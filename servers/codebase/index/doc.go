// Package index is the indexing and search service of codebase-mcp: the
// Engine runs indexing jobs in the background and answers searches, over a
// Store (package pgstore implements it on PostgreSQL) and a
// codebase.Embedder.
//
// A job walks the repository (package walk), compares each file's content
// hash with the index, re-reads the new and changed files and chunks them
// on Config.ChunkWorkers goroutines (package chunk), embeds their chunks in
// batches of Config.BatchChunks, reusing the vector the index already holds
// for a chunk of the same content hash, and writes each batch while the
// next is embedded. Files gone from the repository are deleted. The
// store's Load makes the job atomic: until Commit nothing of an update is
// visible, and a job that fails (the embedder is down, the job is
// cancelled, the server stops) leaves the index as it was.
//
// Jobs are stored with their state, counts and timings; a running job is
// saved every Config.HeartbeatInterval, and a job not saved for
// Config.StaleAfter belongs to a server that stopped: Recover (at start-up)
// and Status fail it with ReasonServerStopped. Shutdown fails the jobs of
// this engine with the same reason, after undoing their writes.
//
// Example:
//
//	e, err := index.New(store, embed.NewBuiltin(embed.BuiltinConfig{}), index.Config{})
//	if err != nil {
//		return err
//	}
//	defer e.Shutdown(ctx)
//	job, err := e.Submit(ctx, index.Request{Root: "/src/app", Project: "app"}, func(p index.Progress) {
//		log.Printf("%d/%d files", p.FilesDone, p.FilesTotal)
//	})
//	if err != nil {
//		return err // a bad project name, or a project built by another embedder
//	}
//	job, _ = e.Wait(ctx, job.ID, nil) // job.State is succeeded, failed or cancelled
//	hits, err := e.Search(ctx, index.Query{Project: "app", Text: "parse the config file", Limit: 10})
package index
