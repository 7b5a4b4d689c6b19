package diagnose_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ddxdns/ddx/diagnose"
	"golang.org/x/tools/txtar"
)

// A zone fixture is a zone file in a txtar archive (its first file; the
// others are there for $INCLUDE), with the findings ddx lint must report
// on it. Its comment section holds, one per line:
//
//	origin: NAME            the zone's origin, as --origin gives it
//	want: ID WHERE [sev=S]  WHERE is LINE, FILE:LINE, or - (the whole file)
//	say: TEXT               words the previous want's explanation holds
//
// The findings at warning and above must be exactly the wanted ones (by
// ID, file and line); wanted notices must be present.
type zoneFixture struct {
	origin string
	wants  []*zoneWant
	arch   *txtar.Archive
}

type zoneWant struct {
	id, file, sev string
	line          int
	says          []string
}

func loadZoneFixture(t *testing.T, file string) *zoneFixture {
	t.Helper()
	a, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Files) == 0 {
		t.Fatalf("%s: no zone file", file)
	}
	f := &zoneFixture{arch: a}
	for _, line := range strings.Split(string(a.Comment), "\n") {
		key, val, _ := strings.Cut(strings.TrimSpace(line), ":")
		val = strings.TrimSpace(val)
		switch key {
		case "origin":
			f.origin = val
		case "want":
			fields := strings.Fields(val)
			if len(fields) < 2 {
				t.Fatalf("%s: want: ID WHERE [sev=S], got %q", file, val)
			}
			w := &zoneWant{id: fields[0], file: a.Files[0].Name}
			if fields[1] != "-" {
				at := fields[1]
				if i := strings.LastIndex(at, ":"); i >= 0 {
					w.file, at = at[:i], at[i+1:]
				}
				if w.line, err = strconv.Atoi(at); err != nil {
					t.Fatalf("%s: want %s: bad line %q", file, w.id, fields[1])
				}
			}
			for _, x := range fields[2:] {
				if s, ok := strings.CutPrefix(x, "sev="); ok {
					w.sev = s
				}
			}
			if diagnose.RuleByID(w.id) == nil {
				t.Fatalf("%s: no rule %s", file, w.id)
			}
			f.wants = append(f.wants, w)
		case "say":
			if len(f.wants) == 0 {
				t.Fatalf("%s: say: before any want:", file)
			}
			w := f.wants[len(f.wants)-1]
			w.says = append(w.says, val)
		}
	}
	return f
}

// lintArchive reads the archive's first file as a zone file, the others
// available to $INCLUDE, and lints it.
func lintArchive(t *testing.T, a *txtar.Archive, origin string) *diagnose.LintReport {
	t.Helper()
	fsys, err := txtar.FS(a)
	if err != nil {
		t.Fatal(err)
	}
	z, err := diagnose.ReadZone(bytes.NewReader(a.Files[0].Data), diagnose.ZoneOptions{File: a.Files[0].Name, Origin: origin, Include: fsys})
	if err != nil {
		t.Fatal(err)
	}
	return diagnose.Lint(z)
}

// runZoneFixtures runs every zone fixture of a rule: testdata/zonelint/ID/*.txtar.
func runZoneFixtures(t *testing.T, id string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join("testdata", "zonelint", id, "*.txtar"))
	if len(files) == 0 {
		t.Fatalf("rule %s has no zone fixtures in testdata/zonelint/%s", id, id)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			t.Parallel()
			f := loadZoneFixture(t, file)
			checkZoneFixture(t, f, lintArchive(t, f.arch, f.origin))
		})
	}
}

func checkZoneFixture(t *testing.T, f *zoneFixture, rep *diagnose.LintReport) {
	t.Helper()
	got := func() string {
		var s []string
		for _, x := range rep.Findings {
			s = append(s, fmt.Sprintf("%s:%d: %s %s: %s", x.File, x.Line, x.Severity, x.ID, x.Summary))
		}
		return "\n\t" + strings.Join(s, "\n\t")
	}
	match := func(w *zoneWant, x diagnose.ZoneFinding) bool {
		return w.id == x.ID && w.file == x.File && w.line == x.Line
	}
	for _, x := range rep.Findings {
		if x.Severity >= diagnose.Warning && !slices.ContainsFunc(f.wants, func(w *zoneWant) bool { return match(w, x) }) {
			t.Errorf("unexpected %s:%d: %s %s: %s%s", x.File, x.Line, x.Severity, x.ID, x.Summary, got())
		}
		if x.Summary == "" || x.Explanation == "" || x.Fix == "" || len(x.Refs) == 0 {
			t.Errorf("incomplete finding %+v", x)
		}
	}
	for _, w := range f.wants {
		i := slices.IndexFunc(rep.Findings, func(x diagnose.ZoneFinding) bool { return match(w, x) })
		if i < 0 {
			t.Errorf("no %s at %s:%d; got:%s", w.id, w.file, w.line, got())
			continue
		}
		x := rep.Findings[i]
		if w.sev != "" && x.Severity.String() != w.sev {
			t.Errorf("%s: severity %s, want %s", w.id, x.Severity, w.sev)
		}
		for _, s := range w.says {
			if !strings.Contains(x.Summary+" "+x.Explanation, s) {
				t.Errorf("%s: explanation lacks %q:\n%s %s", w.id, s, x.Summary, x.Explanation)
			}
		}
	}
}

func TestZoneRulesHaveFixtures(t *testing.T) {
	t.Parallel()
	for _, id := range diagnose.ZoneRules() {
		if diagnose.RuleByID(id) == nil {
			t.Errorf("zone rule %s is not in the rule table", id)
		}
		t.Run(id, func(t *testing.T) { runZoneFixtures(t, id) })
	}
}
