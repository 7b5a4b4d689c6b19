package diagnose_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/internal/demotest"
	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
	"golang.org/x/tools/txtar"
)

func TestSOAMNAME(t *testing.T) { runFixtures(t, "soa-mname") }

// TestSOAProbesOnTheDemo: ddx check of the demo's SOA and glue zones
// reports each at its severity, and a healthy zone's check probes nothing
// extra (its MNAME is a listed server, its contact's mail domain is the
// zone itself, it has no sibling glue) and reports none of them.
func TestSOAProbesOnTheDemo(t *testing.T) {
	t.Parallel()
	cases := []struct {
		zone, id string
		sev      diagnose.Severity
		words    []string
	}{
		{"mname.test", "soa-mname", diagnose.Notice, []string{"primary.mname.test.", "NXDOMAIN"}},
		{"contact.test", "soa-rname-invalid", diagnose.Notice, []string{"contact-gone.test.", "NXDOMAIN"}},
		{"sibglue.test", "glue-mismatch", diagnose.Error, []string{"198.51.100.248", "198.51.100.244", "sibhost.test."}},
	}
	for _, c := range cases {
		t.Run(c.zone, func(t *testing.T) {
			t.Parallel()
			rep := report(t, c.zone, dns.TypeSOA, true)
			i := slices.IndexFunc(rep.Findings, func(f diagnose.Finding) bool { return f.ID == c.id && f.Zone == c.zone+"." })
			if i < 0 {
				t.Fatalf("no %s; got %v", c.id, rep.Findings)
			}
			f := rep.Findings[i]
			if f.Severity != c.sev {
				t.Errorf("severity %s, want %s", f.Severity, c.sev)
			}
			for _, w := range c.words {
				if !strings.Contains(f.Summary+" "+f.Explanation, w) {
					t.Errorf("%s lacks %q: %s", c.id, w, f.Explanation)
				}
			}
		})
	}
	t.Run("healthy.test", func(t *testing.T) {
		t.Parallel()
		rep := report(t, "healthy.test", dns.TypeSOA, true)
		for _, f := range rep.Findings {
			if f.ID == "soa-mname" || f.ID == "soa-rname-invalid" || f.ID == "glue-mismatch" {
				t.Errorf("%s on a healthy zone: %s", f.ID, f.Summary)
			}
		}
		for _, l := range rep.Lookups {
			if l.Reason == trace.ReasonMNAME || l.Reason == trace.ReasonRNAME || l.Reason == trace.ReasonSiblingGlue {
				t.Errorf("lookup %s %s (%s) on a healthy zone", l.Name, l.Type, l.Reason)
			}
		}
		for _, st := range rep.Steps {
			if len(st.Primaries) > 0 {
				t.Errorf("step %d probed primaries %v", st.ID, st.Primaries)
			}
		}
	})
}

// TestSOAMNAMENeedsFetchedData: a finding never rests on data the run
// did not fetch. The same primaries, with their lookups cut short by a
// budget, or their SOA queries never sent, give no soa-mname.
func TestSOAMNAMENeedsFetchedData(t *testing.T) {
	t.Parallel()
	t.Run("lookup cut short", func(t *testing.T) {
		tr := report(t, "mname.test", dns.TypeSOA, true).Trace
		n := 0
		for _, l := range tr.Lookups {
			if l.Reason == trace.ReasonMNAME {
				l.Outcome.Rcode = trace.RcodeIncomplete
				n++
			}
		}
		if n == 0 {
			t.Fatal("no MNAME lookup in the check of mname.test")
		}
		if f := findingOf(diagnose.New(tr).Findings, "soa-mname"); f != nil {
			t.Errorf("soa-mname from an incomplete lookup: %s", f.Explanation)
		}
	})
	t.Run("lookup never made", func(t *testing.T) {
		tr := report(t, "mname.test", dns.TypeSOA, true).Trace
		for _, st := range tr.Steps {
			for _, p := range st.Primaries {
				p.Lookup, p.Failure = nil, trace.NSFailBudget
			}
		}
		if f := findingOf(diagnose.New(tr).Findings, "soa-mname"); f != nil {
			t.Errorf("soa-mname without a lookup: %s", f.Explanation)
		}
	})
}

// TestSOAMNAMESavedTrace: a saved check carries the primary's probe (its
// reply in wire format), so `ddx show` says what the live run said.
func TestSOAMNAMESavedTrace(t *testing.T) {
	t.Parallel()
	f := loadFixture(t, "testdata/soa-mname/older-serial.txtar")
	fsys, err := txtar.FS(f.arch)
	if err != nil {
		t.Fatal(err)
	}
	live := diagnose.New(demotest.Trace(t, demotest.Load(t, fsys, "."), f.query, f.qtype, true))
	saved := diagnose.New(saveAndLoad(t, live))
	lf, sf := findingOf(live.Findings, "soa-mname"), findingOf(saved.Findings, "soa-mname")
	if lf == nil || sf == nil || lf.Explanation != sf.Explanation {
		t.Fatalf("soa-mname live %+v, saved %+v", lf, sf)
	}
	n := 0
	for _, st := range saved.Trace.Steps {
		for _, p := range st.Primaries {
			for _, s := range p.Servers {
				for _, q := range s.Queries {
					if q.Purpose == trace.PurposeMNAME && q.Reply != nil {
						n++
					}
				}
			}
		}
	}
	if n == 0 {
		t.Error("the saved trace has no reply from the primary")
	}
}
