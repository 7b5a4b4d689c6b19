package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runDDX(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestExitCodesAndErrors(t *testing.T) {
	t.Parallel()
	hints := filepath.Join(t.TempDir(), "bad.root")
	os.WriteFile(hints, []byte("this is not a zone file\n"), 0o644)
	cases := []struct {
		args   []string
		code   int
		stderr string
		stdout string
	}{
		{[]string{"trace", "--demo", "www.healthy.test"}, exitOK, "", "192.0.2.80"},
		{[]string{"trace", "--demo", "www.lame.test"}, exitFindings, "", "lame-delegation"},
		{[]string{"trace", "--demo", "gone.lab", "--timeout", "50ms"}, exitFindings, "", "DEPENDS"},
		{[]string{"trace", "--demo", "www.dead.test", "--timeout", "50ms"}, exitUnresolved, "", "zone-unreachable"},
		{[]string{"trace", "--demo", "a..b"}, exitUsage, "invalid domain name", ""},
		{[]string{"trace", "--demo", "www.healthy.test", "BOGUS"}, exitUsage, "unknown query type", ""},
		{[]string{"trace", "--demo", "www.healthy.test", "TYPE65534"}, exitOK, "", "NODATA"},
		{[]string{"trace", "--demo", "-x", "192.0.2.10"}, exitOK, "", "ns1.healthy.test."},
		{[]string{"trace", "--demo", "-x", "nonsense"}, exitUsage, "not an IPv4 or IPv6 address", ""},
		{[]string{"trace", "--root-hints", hints, "example.com"}, exitUsage, "root hints", ""},
		{[]string{"trace", "--root-hints", "/nonexistent/named.root", "example.com"}, exitUsage, "cannot read root hints", ""},
		{[]string{"trace", "--root", "not-an-ip", "example.com"}, exitUsage, "--root", ""},
		{[]string{"trace", "--root", "::1", "-4", "example.com"}, exitUsage, "no IPv4 address", ""},
		{[]string{"check", "--root", "127.0.0.1", "-6", "example.com"}, exitUsage, "no IPv6 address", ""},
		{[]string{"trace", "--demo", "-6", "www.healthy.test"}, exitOK, "", "2001:db8:100::1"},
		{[]string{"trace", "--demo", "-o", "yaml", "x.test"}, exitUsage, "-o", ""},
		{[]string{"trace", "--no-such-flag", "x.test"}, exitUsage, "no-such-flag", ""},
		{[]string{"check", "--demo", "nosuch.test"}, exitFindings, "", "not-delegated"},
		{[]string{"check", "--demo", "healthy.test"}, exitOK, "", "no findings"},
		{[]string{"check", "--demo", "--severity", "loud", "healthy.test"}, exitUsage, "--severity", ""},
		{[]string{"trace", "--demo", "--severity", "loud", "www.healthy.test"}, exitUsage, "--severity", ""},
		{[]string{}, exitUsage, "Usage", ""},
		{[]string{"help"}, exitOK, "", "Exit codes"},
		{[]string{"trace", "--demo", "MX", "mxalias.test"}, exitOK, "", "mail.mxalias.test."},
		{[]string{"trace", "--demo", "www.healthy.test", "--max-queries", "10"}, exitIncomplete, "", "INCOMPLETE"},
		{[]string{"check", "--demo", "healthy.test", "--max-queries", "10", "-o", "json"}, exitIncomplete, "", `"rcode": "INCOMPLETE"`},
	}
	for _, c := range cases {
		c := c
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			t.Parallel()
			code, out, errs := runDDX(t, c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.code, out, errs)
			}
			if !strings.Contains(errs, c.stderr) || !strings.Contains(out, c.stdout) {
				t.Errorf("stdout lacks %q or stderr lacks %q\nstdout: %.500s\nstderr: %s", c.stdout, c.stderr, out, errs)
			}
			if c.code == exitUsage && strings.Count(strings.TrimSpace(errs), "\n") > 0 && c.stderr != "Usage" {
				t.Errorf("usage error is more than one line: %q", errs)
			}
			if strings.Contains(errs, "goroutine") || strings.Contains(errs, "panic") {
				t.Errorf("stack trace on stderr: %s", errs)
			}
		})
	}
}

func TestUnreachableRootIsOneLineExit3(t *testing.T) {
	t.Parallel()
	// 127.0.0.1 port 9 (discard) is closed on a test machine: ICMP unreachable.
	code, _, errs := runDDX(t, "trace", "--root", "127.0.0.1", "--port", "9", "--timeout", "200ms", "-4", "example.com")
	if code != exitUnresolved || !strings.Contains(errs, "no root server answered") || strings.Count(errs, "\n") != 1 {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}

func TestJSONSchema(t *testing.T) {
	t.Parallel()
	code, out, _ := runDDX(t, "trace", "--demo", "-o", "json", "gone.lab", "NS", "--timeout", "50ms")
	if code != exitFindings {
		t.Errorf("exit %d", code)
	}
	var doc struct {
		Query   struct{ Name, Type string }
		Outcome struct{ Rcode, Explanation string }
		Steps   []struct {
			Zone    string
			Servers []struct {
				Name, Address string
				Queries       []struct {
					Rcode     *string  `json:"rcode"`
					Error     *string  `json:"error"`
					RTTms     *float64 `json:"rtt_ms"`
					Transport string
				}
			}
		}
		Findings []struct{ ID, Severity, Zone, Summary, Explanation, Fix string }
		Stats    struct {
			Queries   int     `json:"queries"`
			ElapsedMs float64 `json:"elapsed_ms"`
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Query.Name != "gone.lab." || doc.Query.Type != "NS" || doc.Outcome.Rcode != "DEPENDS" || doc.Outcome.Explanation == "" {
		t.Errorf("query/outcome: %+v %+v", doc.Query, doc.Outcome)
	}
	if len(doc.Steps) == 0 || doc.Steps[0].Zone != "." || doc.Stats.Queries == 0 {
		t.Fatalf("steps %d, stats %+v", len(doc.Steps), doc.Stats)
	}
	for _, st := range doc.Steps {
		for _, s := range st.Servers {
			if s.Name == "" || s.Address == "" {
				t.Errorf("server without name or address in %s", st.Zone)
			}
			for _, q := range s.Queries {
				if (q.Rcode == nil) == (q.Error == nil) || q.RTTms == nil || q.Transport == "" {
					t.Errorf("query in %s %s: rcode %v error %v", st.Zone, s.Name, q.Rcode, q.Error)
				}
			}
		}
	}
	if len(doc.Findings) == 0 || doc.Findings[0].ID == "" || doc.Findings[0].Severity == "" {
		t.Errorf("findings %+v", doc.Findings)
	}
}

func TestIDNShownBothWays(t *testing.T) {
	t.Parallel()
	_, out, _ := runDDX(t, "trace", "--demo", "-o", "json", "bücher.test")
	if !strings.Contains(out, `"name": "xn--bcher-kva.test."`) || !strings.Contains(out, `"unicode": "bücher.test."`) {
		t.Errorf("IDN not shown both ways: %.300s", out)
	}
}
