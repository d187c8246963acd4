package walk_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/perfgate/perfgate/servers/codebase/walk"
)

func Example() {
	root, _ := os.MkdirTemp("", "walk-example")
	defer os.RemoveAll(root)
	for name, content := range map[string]string{
		"main.go":             "package main\n",
		"app/util.py":         "def f():\n    return 1\n",
		".gitignore":          "*.tmp\n",
		"scratch.tmp":         "notes\n",
		"logo.png":            "\x89PNG\r\n\x1a\n\x00\x00",
		"node_modules/x/i.js": "module.exports = 1;\n",
	} {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(content), 0o644)
	}

	res, err := walk.Walk(context.Background(), root, walk.Config{})
	if err != nil {
		panic(err)
	}
	for _, f := range res.Files {
		fmt.Println("index", f.Path, f.Language, f.Size)
	}
	for _, s := range res.Skipped {
		fmt.Println("skip ", s.Path, s.Reason, s.Detail)
	}
	// Output:
	// index .gitignore text 6
	// index app/util.py python 22
	// index main.go go 13
	// skip  logo.png binary NUL byte in the first 8 KiB
	// skip  node_modules ignored matches "node_modules/" (default)
	// skip  scratch.tmp ignored matches "*.tmp" in .gitignore
}
