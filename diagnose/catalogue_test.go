package diagnose_test

import (
	"os"
	"regexp"
	"testing"

	"github.com/ddxdns/ddx/diagnose"
)

// TestRulesMatchSharedCatalogue: every rule's ID and severity are those of
// the shared catalogue (FINDINGS.md beside the repository), whose IDs are a
// public interface. Catalogue entries that no rule implements yet are
// listed, not failed: they are open work.
func TestRulesMatchSharedCatalogue(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../shared/FINDINGS.md")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the shared catalogue must sit beside the repository in CI: %v", err)
		}
		t.Skipf("no shared catalogue beside the repository: %v", err)
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z0-9-]+)` \\| ([a-z]+) \\|")
	catalogue := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(b), -1) {
		catalogue[m[1]] = m[2]
	}
	if len(catalogue) < 30 {
		t.Fatalf("read only %d entries from FINDINGS.md: has its table format changed?", len(catalogue))
	}
	implemented := map[string]bool{}
	for _, r := range diagnose.Rules() {
		implemented[r.ID] = true
		sev, ok := catalogue[r.ID]
		switch {
		case !ok:
			t.Errorf("rule %s is not in the shared catalogue", r.ID)
		case sev != r.Severity.String():
			t.Errorf("rule %s has severity %s, the catalogue says %s", r.ID, r.Severity, sev)
		}
		if r.Title == "" || r.Doc == "" || r.Fix == "" || len(r.Refs) == 0 {
			t.Errorf("rule %s lacks a title, doc, fix or references", r.ID)
		}
	}
	var open []string
	for id := range catalogue {
		if !implemented[id] {
			open = append(open, id)
		}
	}
	t.Logf("catalogue IDs not implemented yet: %d", len(open))
}
