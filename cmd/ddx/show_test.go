package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestShowSavedTrace: a trace saved with -o json and shown later, on a
// machine with no network (show sends nothing), gives the same verdict.
func TestShowSavedTrace(t *testing.T) {
	t.Parallel()
	code, saved, errs := runDDX(t, "check", "--demo", "-o", "json", "renumbered.test")
	if code != exitFindings {
		t.Fatalf("check: exit %d: %s", code, errs)
	}
	file := filepath.Join(t.TempDir(), "ticket-4711.json")
	if err := os.WriteFile(file, []byte(saved), 0o644); err != nil {
		t.Fatal(err)
	}
	code, shown, errs := runDDX(t, "show", "-o", "json", file)
	if code != exitFindings {
		t.Fatalf("show: exit %d: %s", code, errs)
	}
	type doc struct {
		Outcome  struct{ Rcode string }
		Findings []struct{ ID, Zone string }
	}
	var a, b doc
	if err := json.Unmarshal([]byte(saved), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(shown), &b); err != nil {
		t.Fatal(err)
	}
	if a.Outcome != b.Outcome || !slices.Equal(a.Findings, b.Findings) {
		t.Errorf("saved %+v, shown %+v", a, b)
	}
	if !slices.ContainsFunc(b.Findings, func(f struct{ ID, Zone string }) bool { return f.ID == "glue-mismatch" }) {
		t.Errorf("shown findings lack glue-mismatch: %+v", b.Findings)
	}
	code, text, _ := runDDX(t, "show", file)
	if code != exitFindings || !strings.Contains(text, "glue-mismatch") || !strings.Contains(text, "203.0.113.60") {
		t.Errorf("show as text: exit %d:\n%s", code, text)
	}
}

func TestShowRefusesWhatIsNotATrace(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notTrace := filepath.Join(dir, "zone.txt")
	os.WriteFile(notTrace, []byte("example.com. 300 IN A 192.0.2.1\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"show", filepath.Join(dir, "missing.json")}, "cannot read the saved trace"},
		{[]string{"show", notTrace}, "not a ddx trace"},
		{[]string{"show"}, "show takes one saved trace"},
	} {
		code, _, errs := runDDX(t, c.args...)
		if code != exitUsage || !strings.Contains(errs, c.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q", c.args, code, errs)
		}
	}
}
