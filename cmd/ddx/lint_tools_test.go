package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ddxdns/ddx/diagnose"
)

// A toolError is one error BIND's named-checkzone or Knot's kzonecheck
// reports on a zone file: its line (0 when the tool gives none), the
// owner or name it is about ("" when none), and the ddx findings that
// report the same mistake.
type toolError struct {
	tool, text string
	line       int
	name       string
	ids        []string
}

// toolMessages map the tools' messages to ddx's findings. A message no
// entry maps fails the test: a corpus file that makes a tool say
// something new needs its mapping here.
var toolMessages = []struct {
	re  *regexp.Regexp
	ids []string
}{
	// named-checkzone
	{regexp.MustCompile(`ignoring out-of-zone data \((\S+)\)`), []string{"out-of-zone-data", "unnecessary-glue"}},
	{regexp.MustCompile(`SOA record not at top of zone \((\S+)\)`), []string{"soa-not-apex"}},
	{regexp.MustCompile(`^(\S+): bad owner name \(check-names\)`), []string{"hostname-syntax"}},
	{regexp.MustCompile(`^(\S+): CNAME and other data`), []string{"cname-and-other-data"}},
	{regexp.MustCompile(`NS '(\S+)' has no address records`), []string{"ns-missing-trailing-dot", "missing-glue", "ns-name-unresolvable"}},
	{regexp.MustCompile(`NS '(\S+)' is a CNAME`), []string{"ns-is-cname"}},
	{regexp.MustCompile(`MX '(\S+)' is a CNAME`), []string{"mx-to-cname"}},
	{regexp.MustCompile(`^near '.*': `), []string{"zone-syntax"}},
	{regexp.MustCompile(`has no NS records`), []string{"too-few-ns"}},
	{regexp.MustCompile(`has no SOA record`), []string{"soa-missing"}},
	{regexp.MustCompile(`multiple RRs of singleton type`), []string{"singleton-multiple"}},
	// kzonecheck
	{regexp.MustCompile(`^\[(\S+)\] missing glue record`), []string{"missing-glue", "ns-missing-trailing-dot", "ns-name-unresolvable"}},
	{regexp.MustCompile(`^\[(\S+)\] another record exists beside CNAME`), []string{"cname-and-other-data"}},
	{regexp.MustCompile(`^\[(\S+)\] multiple CNAME records`), []string{"singleton-multiple"}},
	{regexp.MustCompile(`^\[(\S+)\] missing SOA at the zone apex`), []string{"soa-missing"}},
	{regexp.MustCompile(`^\[(\S+)\] missing NS at the zone apex`), []string{"too-few-ns"}},
	{regexp.MustCompile(`zone loader, error in zone, file '[^']*', line \d+`), []string{"zone-syntax"}},
	{regexp.MustCompile(`zone loader, ignoring out-of-zone data, owner (\S+)`), []string{"out-of-zone-data", "unnecessary-glue"}},
}

var (
	// named: "FILE:LINE: message", maybe after "dns_master_load: ".
	namedLine = regexp.MustCompile(`^(?:\w+: )?[^:\s]+:(\d+): (.*)$`)
	// named: "zone ORIGIN/IN: message".
	namedZone = regexp.MustCompile(`^zone [^/]+/IN: (.*)$`)
	// kzonecheck -v: "error: [zone.] zone loader, error in zone, file 'F', line N (what)".
	knotLoader = regexp.MustCompile(`^(?i:error): \[\S+\] (zone loader, error in zone, file '[^']*', line (\d+) .*)$`)
	knotCheck  = regexp.MustCompile(`^\[\S+\] .*`)
	// kzonecheck -v: "warning: [zone.] zone loader, ignoring out-of-zone data, owner NAME".
	knotWarning = regexp.MustCompile(`^(?i:warning): \[\S+\] (zone loader, .*)$`)
)

// toolErrors runs named-checkzone -i local and kzonecheck -v on one file
// and reads the errors they report.
func toolErrors(t *testing.T, dir, file, origin string) []toolError {
	t.Helper()
	var out []toolError
	add := func(tool, text string, line int) {
		e := toolError{tool: tool, text: text, line: line}
		for _, m := range toolMessages {
			if sub := m.re.FindStringSubmatch(text); sub != nil {
				e.ids = m.ids
				if len(sub) > 1 {
					e.name = strings.ToLower(strings.TrimSuffix(sub[1], ".") + ".")
				}
				break
			}
		}
		if e.ids == nil {
			t.Errorf("%s: %s says %q, which no ddx finding is mapped to (add it to toolMessages)", file, tool, text)
			return
		}
		out = append(out, e)
	}
	// BIND reads $INCLUDE relative to its working directory.
	cmd := exec.Command("named-checkzone", "-i", "local", origin, file)
	cmd.Dir = dir
	b, _ := cmd.CombinedOutput()
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if m := namedLine.FindStringSubmatch(l); m != nil {
			n, _ := strconv.Atoi(m[1])
			add("named-checkzone", m[2], n)
			continue
		}
		m := namedZone.FindStringSubmatch(l)
		switch {
		case l == "OK" || l == "":
		case m == nil:
			t.Errorf("%s: named-checkzone says %q, which the test cannot read", file, l)
		case strings.HasPrefix(m[1], "loaded serial"), m[1] == "not loaded due to errors.",
			strings.HasPrefix(m[1], "loading from master file"): // the error above, repeated
		default:
			add("named-checkzone", m[1], 0)
		}
	}
	cmd = exec.Command("kzonecheck", "-v", "-o", origin, file)
	cmd.Dir = dir
	b, _ = cmd.CombinedOutput()
	summary := false
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		switch m := knotLoader.FindStringSubmatch(l); {
		case l == "" || strings.HasPrefix(l, "Serious semantic error") || l == "No semantic error found":
		case l == "Error summary:":
			summary = true // counts of the errors above
		case summary:
		case m != nil:
			n, _ := strconv.Atoi(m[2])
			add("kzonecheck", m[1], n)
		case knotWarning.MatchString(l):
			add("kzonecheck", knotWarning.FindStringSubmatch(l)[1], 0)
		case knotCheck.MatchString(l):
			add("kzonecheck", l, 0)
		case strings.Contains(l, "failed to load zone"), strings.Contains(l, "failed to run semantic checks"):
			// the loader error above, summed up
		default:
			t.Errorf("%s: kzonecheck says %q, which the test cannot read", file, l)
		}
	}
	return out
}

// fileLine matches the FILE:LINE references of a finding's explanation.
var fileLine = regexp.MustCompile(`:(\d+)\b`)

// TestLintFindsWhatTheToolsFind: on every zone file of the corpus, each
// error named-checkzone and kzonecheck report is a ddx lint finding too:
// a finding of the mapped ID about the same name, on the tool's line
// (the finding's own, or a record its explanation cites: for a CNAME
// beside other data, named gives the line of the second record, ddx the
// CNAME's and cites the other). Skipped only without the tools; CI
// installs them (.ci/run), and there a missing tool fails.
func TestLintFindsWhatTheToolsFind(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"named-checkzone", "kzonecheck"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed (apt-get install bind9-utils knot-dnssecutils)", tool)
			}
			t.Skipf("%s is not installed (apt-get install bind9-utils knot-dnssecutils)", tool)
		}
	}
	dir := "../../testdata/zonefiles"
	files, err := filepath.Glob(filepath.Join(dir, "*.zone"))
	if err != nil || len(files) < 5 {
		t.Fatalf("corpus: %v, %v", files, err)
	}
	total := 0
	for _, path := range files {
		file := filepath.Base(path)
		origin := strings.TrimSuffix(file, ".zone")
		rep, err := lintFile(path, origin, nil)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, e := range toolErrors(t, dir, file, origin) {
			total++
			t.Logf("%s: %s line %d: %s → %v", file, e.tool, e.line, e.text, e.ids)
			if !reported(rep, e) {
				t.Errorf("%s: %s reports %q (line %d), ddx lint does not (want one of %v about %q); ddx found:\n%s",
					file, e.tool, e.text, e.line, e.ids, e.name, listFindings(rep))
			}
		}
	}
	// The corpus is broken on purpose: the tools must have found
	// something, or this test proves nothing.
	if total < 10 {
		t.Errorf("the tools report %d errors on the corpus, want at least 10", total)
	}
}

// reported says whether rep has a finding that matches e.
func reported(rep *diagnose.LintReport, e toolError) bool {
	for _, f := range rep.Findings {
		match := false
		for _, id := range e.ids {
			match = match || f.ID == id
		}
		if !match {
			continue
		}
		text := strings.ToLower(f.Zone + " " + f.Summary + " " + strings.Join(f.Servers, " ") + " " + f.Explanation)
		if e.name != "" && !strings.Contains(text, e.name) && !strings.Contains(text, strings.TrimSuffix(e.name, ".")+" ") {
			continue
		}
		if e.line == 0 || f.Line == e.line {
			return true
		}
		for _, m := range fileLine.FindAllStringSubmatch(f.Explanation, -1) {
			if m[1] == strconv.Itoa(e.line) {
				return true
			}
		}
	}
	return false
}

func listFindings(rep *diagnose.LintReport) string {
	var b strings.Builder
	for _, f := range rep.Findings {
		fmt.Fprintf(&b, "  %d %s %s: %s\n", f.Line, f.ID, f.Zone, f.Summary)
	}
	return b.String()
}
