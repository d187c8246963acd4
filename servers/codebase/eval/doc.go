// Package eval measures codebase-mcp's search quality on a real corpus:
// each documented function of the corpus gives a query, its doc comment's
// first paragraph with the function's own name removed, whose answer is
// the function. Run asks every query of each ranking (lexical only, vector
// only, hybrid) and reports MRR@K and Recall@K.
//
// The default corpus is the Go standard library ($(go env GOROOT)/src); the
// command is `codebase-mcp eval` (package cbserver wires it).
//
// Example:
//
//	files, _ := eval.GoFiles(root)
//	cases, _ := eval.GoCases(root, files, eval.CaseOptions{})
//	// index root into project "eval" with an index.Engine, then:
//	results, err := eval.Run(ctx, engine, "eval", cases, 10, eval.Modes)
//	eval.Write(os.Stdout, results)
//	// ranking   queries    MRR@10  Recall@10
//	// lexical      2000    0.4123     0.5870
//	// ...
//	eval.WriteBench(os.Stdout, results) // for perfgate (eval --format bench)
//	// Unit mrr@10 better=higher assume=exact
//	// Unit recall@10 better=higher assume=exact
//	// BenchmarkEval/ranking=lexical 1 0.4123 mrr@10 0.5870 recall@10
//	// ...
package eval
