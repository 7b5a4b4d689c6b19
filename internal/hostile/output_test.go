package hostile_test

import (
	"bytes"
	"context"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/internal/demotest"
	"github.com/ddxdns/ddx/internal/hostile"
	"github.com/ddxdns/ddx/trace"
	"github.com/ddxdns/ddx/ui"
	"github.com/miekg/dns"
)

// run traces name in the hostile universe fsys as the trace tests do:
// every server answers at once, so neither a retry nor a straggler cut
// may come from a busy machine.
func run(t *testing.T, fsys fs.FS, name string, qtype uint16) *trace.Trace {
	t.Helper()
	u := demotest.Load(t, fsys, hostile.Dir)
	cfg := trace.Config{Roots: u.Roots(), Exchanger: u, Timeout: 5 * time.Second, StragglerFloor: 10 * time.Second}
	tr, err := trace.Run(context.Background(), cfg, name, qtype, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// What the hostile universes cost once diagnosed and printed: the text a
// user gets stays small, and diagnosis reads every kept (trimmed or
// reused) reply without failing. The bound is issue 18's: 2 MiB of text
// whatever the servers send; each case has its own, tighter one.
func TestHostileOutputIsBounded(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		fsys  fs.FS
		qname string
		qtype uint16
		text  int // bytes of text, at most
	}{
		{"wide", hostile.Wide(50, 20), "www.wide.test", dns.TypeA, 100 << 10},
		{"huge replies", hostile.Huge(), "www.big.test", dns.TypeTXT, 100 << 10},
		{"referral forks", hostile.Forked(10), "www.l10.l9.l8.l7.l6.l5.l4.l3.l2.fork.test", dns.TypeA, 100 << 10},
		{"alias forks", hostile.Aliased(12), "n0.p.test", dns.TypeA, 50 << 10},
		{"crowded", hostile.Crowded(10, 3000), "www.c10.c9.c8.c7.c6.c5.c4.c3.c2.crowd.test", dns.TypeA, 400 << 10},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := diagnose.New(run(t, c.fsys, c.qname, c.qtype))
			var b bytes.Buffer
			if err := ui.WriteText(&b, rep, ui.Plain(), ui.TextOptions{NoStats: true}); err != nil {
				t.Fatal(err)
			}
			t.Logf("%d bytes of text, %d findings", b.Len(), len(rep.Findings))
			if c.name == "referral forks" && (strings.Contains(b.String(), "not followed (budget)") || !strings.Contains(b.String(), "the same servers as step")) {
				t.Errorf("merged referrals are not printed as merged")
			}
			if b.Len() > c.text {
				t.Errorf("%d bytes of text, want at most %d", b.Len(), c.text)
			}
		})
	}
}

// Trimming keeps the evidence comparable: the wide delegation's parent
// and zone list the same names, and its glue is the zone's addresses, so
// the kept replies must not say otherwise (they did, when a trimmed
// referral kept 6 of each name's 20 addresses and 20 of its 50 names
// against the zone's 50).
func TestTrimmedRepliesDiagnoseHonestly(t *testing.T) {
	t.Parallel()
	for _, f := range diagnose.New(run(t, hostile.Wide(50, 20), "www.wide.test", dns.TypeA)).Findings {
		if f.ID == "glue-mismatch" || f.ID == "ns-parent-child-mismatch" {
			t.Errorf("%s: %s", f.ID, f.Summary)
		}
	}
}
