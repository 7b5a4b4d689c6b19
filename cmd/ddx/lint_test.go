package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ddxdns/ddx/diagnose"
)

// lintJSON runs ddx lint -o json and returns the exit code and the
// findings as "ID LINE" (LINE - for the whole file).
func lintJSON(t *testing.T, args ...string) (int, []string, *lintDoc) {
	t.Helper()
	code, out, errs := runDDX(t, append([]string{"lint", "-o", "json"}, args...)...)
	var rep lintDoc
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("exit %d, not JSON: %v\n%s%s", code, err, out, errs)
	}
	var got []string
	for _, f := range rep.Findings {
		line := "-"
		if f.Line > 0 {
			line = fmt.Sprint(f.Line)
		}
		got = append(got, f.ID+" "+line)
	}
	return code, got, &rep
}

// lintDoc is the JSON document of ddx lint, as a script reads it.
type lintDoc struct {
	File     string `json:"file"`
	Origin   string `json:"origin"`
	Findings []struct {
		ID, Severity, Summary, File string
		Line                        int
	} `json:"findings"`
}

// TestLintUniverse: ddx lint on the demo universe's zone files finds what
// they are broken for, and nothing on the healthy ones. Findings are
// matched by ID and a name in their summary, not by line: others edit
// these files.
func TestLintUniverse(t *testing.T) {
	t.Parallel()
	cases := []struct {
		file, origin string
		code         int
		want         []string // "ID NAME": every finding at warning and above, and the notices listed
	}{
		{"healthy.test.zone", "healthy.test", exitOK, nil},
		{"2.0.192.in-addr.arpa.zone", "2.0.192.in-addr.arpa", exitOK, nil},
		{"extraglue.test.zone", "extraglue.test", exitOK, nil},
		{"trailing.test.zone", "trailing.test", exitFindings, []string{"ns-missing-trailing-dot ns2.trailing.test.trailing.test.", "missing-trailing-dot mail.trailing.test.trailing.test."}},
		{"mxalias.test.zone", "mxalias.test", exitFindings, []string{"mx-to-cname mail.mxalias.test."}},
		{"single.test.zone", "single.test", exitOK, []string{"too-few-ns single.test."}},
		{"timers.test.zone", "timers.test", exitOK, []string{"soa-timers timers.test."}},
		{"wild.test.zone", "wild.test", exitOK, []string{"wildcard-mx wild.test."}},
		{"inconsistent-b.zone", "inconsistent.test", exitFindings, []string{"soa-missing inconsistent.test.",
			"ns-name-unresolvable ns1.inconsistent.test.", "ns-name-unresolvable ns2.inconsistent.test."}},
		{"serial-old.zone", "serial.test", exitOK, []string{"too-few-ns serial.test."}},
		{"example.zone", "example", exitOK, []string{"too-few-ns deep.example.", "too-few-ns cycle.example."}},
		{"test.zone", "test", exitFindings, []string{"too-few-ns single.test.", "missing-glue missingglue.test.",
			"too-few-ns deep.test.", "too-few-ns deep2.test.", "too-few-ns cycle.test."}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			t.Parallel()
			code, got, rep := lintJSON(t, "--origin", c.origin, filepath.Join("../../testdata/universe/zones", c.file))
			if code != c.code {
				t.Errorf("exit %d, want %d: %v", code, c.code, got)
			}
			matches := func(w string, i int) bool {
				id, name, _ := strings.Cut(w, " ")
				f := rep.Findings[i]
				return f.ID == id && strings.Contains(f.Summary+" ", name+" ")
			}
			for i, f := range rep.Findings {
				if sev, _ := diagnose.ParseSeverity(f.Severity); sev >= diagnose.Warning &&
					!slices.ContainsFunc(c.want, func(w string) bool { return matches(w, i) }) {
					t.Errorf("unexpected %s (%s): %s", got[i], f.Severity, f.Summary)
				}
			}
			for _, w := range c.want {
				found := false
				for i := range rep.Findings {
					found = found || matches(w, i)
				}
				if !found {
					t.Errorf("no %s; got %v", w, got)
				}
			}
		})
	}
}

func TestLintCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	head := "$TTL 3600\n@ SOA ns1 hostmaster 1 7200 1800 1209600 3600\n@ NS ns1\n@ NS ns2\nns1 A 192.0.2.1\nns2 A 192.0.2.2\n"
	noOrigin := write("norigin.zone", head)
	broken := write("broken.zone", "$ORIGIN example.test.\n"+head+"www A 192.0.2.300\n")
	write("zones/hosts.inc", "mail CNAME www\nmail TXT \"x\"\n")
	include := write("zones/inc.zone", "$ORIGIN example.test.\n"+head+"www A 192.0.2.80\n$INCLUDE hosts.inc\n")
	write("secret", "www A 192.0.2.99\n")
	escape := write("zones/escape.zone", "$ORIGIN example.test.\n"+head+"$INCLUDE ../secret\n")
	if err := os.Symlink(filepath.Join(dir, "secret"), filepath.Join(dir, "zones", "link.inc")); err != nil {
		t.Fatal(err)
	}
	link := write("zones/link.zone", "$ORIGIN example.test.\n"+head+"$INCLUDE link.inc\n")

	cases := []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{noOrigin}, exitFindings, noOrigin + ":2: error zone-syntax: \"@\" is a relative name", ""},
		{[]string{"--origin", "example.test", noOrigin}, exitOK, "no findings", ""},
		{[]string{broken}, exitFindings, broken + ":8: error zone-syntax: bad A record: cannot read \"192.0.2.300\"", ""},
		{[]string{include}, exitFindings, filepath.Join(dir, "zones", "hosts.inc") + ":1: error cname-and-other-data", ""},
		{[]string{escape}, exitFindings, "$INCLUDE ../secret leaves the zone file's directory: refused", ""},
		{[]string{link}, exitFindings, "error zone-syntax: $INCLUDE", ""},
		{[]string{"--severity", "error", "--origin", "example.test", noOrigin}, exitOK, "no findings at error or above", ""},
		{[]string{filepath.Join(dir, "nonexistent.zone")}, exitUsage, "", "cannot read the zone file"},
		{[]string{dir}, exitUsage, "", "is a directory"},
		{[]string{}, exitUsage, "", "lint takes one zone file"},
		{[]string{"-o", "yaml", noOrigin}, exitUsage, "", "-o"},
		{[]string{"--origin", "a..b", noOrigin}, exitUsage, "", "--origin"},
		{[]string{"--frobnicate", noOrigin}, exitUsage, "", "unknown flag -frobnicate for lint"},
	}
	for _, c := range cases {
		code, out, errs := runDDX(t, append([]string{"lint", "--color", "never"}, c.args...)...)
		if code != c.code || !strings.Contains(out, c.stdout) || !strings.Contains(errs, c.stderr) {
			t.Errorf("ddx lint %v: exit %d, want %d\nstdout: %s\nstderr: %s", c.args, code, c.code, out, errs)
		}
	}
	// Standard input: no $INCLUDE, --origin works.
	code, out, _ := lintStdin(t, head, "lint", "--origin", "example.test", "-")
	if code != exitOK || !strings.Contains(out, "- (example.test.): 5 records") {
		t.Errorf("stdin: exit %d\n%s", code, out)
	}
}

func lintStdin(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestLintHelp(t *testing.T) {
	t.Parallel()
	code, out, _ := runDDX(t, "lint", "--help")
	if code != exitOK || !strings.HasPrefix(out, "Usage: ddx lint FILE") || !strings.Contains(out, "--origin NAME") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	if _, out, _ := runDDX(t, "help"); !strings.Contains(out, "ddx lint FILE") {
		t.Errorf("the usage text lacks lint:\n%s", out)
	}
}

// TestLintCorpus: the example zone files under testdata/zonefiles, each
// with every finding ddx lint must report (and no other). Where BIND's
// named-checkzone is installed, every file it refuses to load is one
// ddx lint fails too.
func TestLintCorpus(t *testing.T) {
	t.Parallel()
	cases := []struct {
		file, origin string
		want         []string
	}{
		{"healthy.example.zone", "healthy.example", nil},
		{"rfc1537.example.zone", "rfc1537.example", []string{"soa-timers 4", "ns-missing-trailing-dot 9", "unnecessary-glue 13",
			"missing-trailing-dot 18", "wildcard-mx 20", "hostname-syntax 23", "cname-and-other-data 25"}},
		{"occluded.example.zone", "occluded.example", []string{"occluded-data 14", "occluded-data 15", "missing-glue 17",
			"soa-not-apex 20", "out-of-zone-data 23"}},
		{"2.0.192.in-addr.arpa.zone", "2.0.192.in-addr.arpa", []string{"ns-missing-trailing-dot 5", "missing-trailing-dot 8"}},
		{"syntax.example.zone", "syntax.example", []string{"zone-syntax 8"}},
	}
	checkzone, _ := exec.LookPath("named-checkzone")
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join("../../testdata/zonefiles", c.file)
			code, got, _ := lintJSON(t, file)
			if !slices.Equal(got, c.want) {
				t.Errorf("findings:\n got %q\nwant %q", got, c.want)
			}
			if checkzone == "" {
				return
			}
			// BIND reads $INCLUDE relative to its working directory.
			cmd := exec.Command(checkzone, "-i", "local", c.origin, c.file)
			cmd.Dir = filepath.Dir(file)
			out, err := cmd.CombinedOutput()
			if err != nil && code != exitFindings {
				t.Errorf("named-checkzone refuses the file, ddx lint exits %d:\n%s", code, out)
			}
		})
	}
}
