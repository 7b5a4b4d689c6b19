package main

import (
	"os"
	"strings"
	"testing"

	"github.com/ddxdns/ddx/diagnose"
)

// TestDocsFindingsIsCurrent: docs/findings.md is what ddx explain
// --markdown prints, so the catalogue users read is the rule table.
func TestDocsFindingsIsCurrent(t *testing.T) {
	t.Parallel()
	code, out, errs := runDDX(t, "explain", "--markdown")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, r := range diagnose.Rules() {
		if !strings.Contains(out, "## "+r.ID+"\n") {
			t.Errorf("the catalogue lacks %s", r.ID)
		}
	}
	saved, err := os.ReadFile("../../docs/findings.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(saved) != out {
		t.Errorf("docs/findings.md is stale: run go run ./cmd/ddx explain --markdown > docs/findings.md")
	}
}

func TestExplain(t *testing.T) {
	t.Parallel()
	code, out, _ := runDDX(t, "explain", "glue-mismatch")
	if code != exitOK || !strings.HasPrefix(out, "glue-mismatch (error): ") || !strings.Contains(out, "Fix: ") || !strings.Contains(out, "RFC 1912 §2.3") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	for _, line := range strings.Split(out, "\n") {
		if len([]rune(line)) > 80 {
			t.Errorf("line over 80 columns: %q", line)
		}
	}
	code, out, _ = runDDX(t, "explain")
	if code != exitOK || strings.Count(out, "\n") != len(diagnose.Rules()) || !strings.Contains(out, "zone-unreachable") {
		t.Errorf("exit %d, list:\n%s", code, out)
	}
	code, _, errs := runDDX(t, "explain", "no-such-finding")
	if code != exitUsage || !strings.Contains(errs, `no finding "no-such-finding"`) || strings.Count(errs, "\n") != 1 {
		t.Errorf("exit %d: %q", code, errs)
	}
}

func TestHelpPerCommand(t *testing.T) {
	t.Parallel()
	code, out, _ := runDDX(t, "check", "--help")
	if code != exitOK || !strings.HasPrefix(out, "Usage: ddx check ZONE") || !strings.Contains(out, "--max-queries N") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	code, out, _ = runDDX(t, "help", "compare")
	if code != exitOK || !strings.Contains(out, "--repeat") {
		t.Errorf("help compare: exit %d:\n%s", code, out)
	}
	code, _, errs := runDDX(t, "trace", "--demo", "--root", "127.0.0.1", "www.healthy.test")
	if code != exitUsage || !strings.Contains(errs, "--demo cannot use --root") {
		t.Errorf("--demo with --root: exit %d: %q", code, errs)
	}
	code, _, errs = runDDX(t, "check", "--frobnicate", "x.test")
	if code != exitUsage || !strings.Contains(errs, "unknown flag -frobnicate for check") {
		t.Errorf("exit %d: %q", code, errs)
	}
}
