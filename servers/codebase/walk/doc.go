// Package walk lists the files of a repository that are worth indexing, and
// says why it left the others out.
//
// The rules, in order:
//
//   - Ignored (codebase.SkipIgnored): an entry matched by a gitignore pattern.
//     Patterns come from DefaultExcludes (lowest precedence), Config.Exclude,
//     .git/info/exclude, and every .gitignore file from the root down, a
//     deeper file overriding a shallower one, with git's semantics (the last
//     matching pattern wins, "!" re-includes, a trailing "/" matches
//     directories only) as implemented by go-git's gitignore package. An
//     ignored directory is reported once and not entered. The user's global
//     excludes file (core.excludesFile) is not read, so the result does not
//     depend on who runs it.
//   - Symbolic links are never followed out of the root
//     (codebase.SkipSymlinkOutside) and never into a directory
//     (codebase.SkipSymlinkDir), so link loops cannot occur; a link to a file
//     inside the root is read under the link's path. Dangling links and link
//     loops are unreadable.
//   - Devices, pipes and sockets are unreadable, and never opened.
//   - Larger than Config.MaxFileSize (default 1 MiB): too_large, never read.
//   - A NUL byte in the first 8 KiB: binary (this also catches UTF-16).
//   - Content that is not valid UTF-8: invalid_utf8.
//   - A file or directory that is gone when it is opened: vanished. Any other
//     error opening or reading: unreadable. Neither stops the walk.
//
// Directories are listed by one goroutine; files are read, checked and hashed
// (SHA-256) by Config.Concurrency goroutines. Results are sorted by path, so
// two walks of the same tree are equal. The language of a file comes from
// its name (LanguageOf).
//
// A preview, as preview_repository does it:
//
//	res, err := walk.Walk(ctx, "/src/myrepo", walk.Config{})
//	if err != nil {
//		return err // the root is missing or not a directory
//	}
//	sum := res.Summary()
//	fmt.Println(sum.Files, "files,", sum.Bytes, "bytes")
//	for lang, c := range sum.ByLanguage {
//		fmt.Println(lang, c.Files)
//	}
//	for _, s := range res.Skipped {
//		fmt.Println(s.Path, s.Reason, s.Detail) // "node_modules ignored matches "node_modules/" (default)"
//	}
//
// An indexer uses WalkFunc to receive each file's content as it is read, so
// every file is read once.
package walk
