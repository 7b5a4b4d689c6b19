package main

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestOnlyUIImportsTheTerminalLibraries: the explorer lives in ui; the
// command calls ui.Run and ui.IsTerminal and never touches Bubble Tea,
// Lip Gloss, Bubbles or x/term itself.
func TestOnlyUIImportsTheTerminalLibraries(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		ast, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(path, "github.com/charmbracelet/") {
				t.Errorf("%s imports %s: only ui may", f, path)
			}
		}
	}
}
