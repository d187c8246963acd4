// Package codebase is the domain of codebase-mcp: the files a repository
// walk yields, the chunks they are cut into, the reasons a file is left out,
// and the Embedder that turns chunks and queries into vectors.
//
// It holds types and interfaces only and imports no adapter. The packages
// beside it do the work:
//
//   - walk: lists a repository's files, honouring .gitignore, and says why
//     the others were skipped;
//   - chunk: cuts a file into functions, methods, types and classes with
//     tree-sitter, or into line windows for other text;
//   - embed: the builtin, ollama and openai embedders;
//   - fixture: a deterministic repository generator for tests and benchmarks.
//
// A worked example, as the indexer wires them:
//
//	res, err := walk.Walk(ctx, root, walk.Config{})
//	if err != nil {
//		return err
//	}
//	ck, err := chunk.New(chunk.Config{})
//	if err != nil {
//		return err
//	}
//	defer ck.Close()
//	var emb codebase.Embedder = embed.NewBuiltin(embed.BuiltinConfig{})
//	for _, f := range res.Files {
//		content, err := os.ReadFile(filepath.Join(root, f.Path))
//		if err != nil {
//			continue // vanished since the walk
//		}
//		chunks, err := ck.Chunk(f.Path, f.Language, content)
//		if err != nil {
//			return err
//		}
//		texts := make([]string, len(chunks))
//		for i, c := range chunks {
//			texts[i] = c.Content
//		}
//		vectors, err := emb.Embed(ctx, texts)
//		...
//	}
package codebase
