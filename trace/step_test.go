package trace_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

func TestHealthyTraceAsksEveryServer(t *testing.T) {
	t.Parallel()
	u := demo(t)
	tr := runTrace(t, cfgFor(u), "www.healthy.test", dns.TypeA)
	if tr.Outcome.Rcode != trace.RcodeNoError {
		t.Fatalf("outcome %s: %s", tr.Outcome.Rcode, tr.Outcome.Explanation)
	}
	if len(tr.Outcome.Answers) != 1 || !strings.Contains(tr.Outcome.Answers[0], "192.0.2.80") {
		t.Errorf("answers %v", tr.Outcome.Answers)
	}
	for zone, want := range map[string]int{".": 3, "test.": 4, "healthy.test.": 3} {
		st := stepFor(t, tr, zone)
		if len(st.Servers) != want {
			t.Errorf("%s: asked %d server addresses, want %d", zone, len(st.Servers), want)
		}
		for _, s := range st.Servers {
			if len(s.Queries) == 0 || s.Queries[0].Purpose != trace.PurposeResolve || !s.Queries[0].OK() {
				t.Errorf("%s %s: main query missing or failed", zone, s.Label())
			}
			for _, q := range s.Queries {
				if q.RD {
					t.Errorf("%s: query with RD=1 outside probes", s.Label())
				}
			}
		}
	}
	// Identical referrals from every parent server merge into one branch.
	if rs := stepFor(t, tr, "test.").Results; len(rs) != 1 || len(rs[0].Servers) != 4 {
		t.Errorf("test. results %+v, want one merged referral from 4 servers", rs)
	}
}

func TestDivergentParentsBranch(t *testing.T) {
	t.Parallel()
	tr := runTrace(t, cfgFor(demo(t)), "gone.lab", dns.TypeA)
	if tr.Outcome.Rcode != trace.RcodeDepends {
		t.Fatalf("outcome %s, want DEPENDS", tr.Outcome.Rcode)
	}
	kinds := map[trace.ResultKind][]string{}
	for _, r := range stepFor(t, tr, "lab.").Results {
		kinds[r.Kind] = r.Servers
	}
	if len(kinds[trace.KindNXDomain]) != 2 || len(kinds[trace.KindReferral]) != 1 || !strings.Contains(kinds[trace.KindReferral][0], "ns3.nic.lab.") {
		t.Errorf("branches %v: want NXDOMAIN from 2 servers and a referral from ns3.nic.lab", kinds)
	}
	if !strings.Contains(tr.Outcome.Explanation, "SERVFAIL") || !strings.Contains(tr.Outcome.Explanation, "ns3.nic.lab.") {
		t.Errorf("explanation does not name the SERVFAIL path: %s", tr.Outcome.Explanation)
	}
}

func TestDeadZoneFansOutInParallel(t *testing.T) {
	t.Parallel()
	u := demo(t)
	cfg := cfgFor(u)
	cfg.Timeout = 100 * time.Millisecond
	cfg.Tries = 2
	start := time.Now()
	tr := runTrace(t, cfg, "www.dead.test", dns.TypeA)
	elapsed := time.Since(start)
	if tr.Outcome.Rcode != trace.RcodeServFail {
		t.Fatalf("outcome %s, want SERVFAIL", tr.Outcome.Rcode)
	}
	st := stepFor(t, tr, "dead.test.")
	silent := 0
	for _, s := range st.Servers {
		for _, q := range s.Queries {
			if q.ErrorKind == "timeout" {
				silent++
				if len(q.Attempts) != cfg.Tries {
					t.Errorf("%s: %d attempts, want %d", s.Label(), len(q.Attempts), cfg.Tries)
				}
			}
		}
	}
	// Asked one after another, the silent queries would take
	// silent × tries × timeout; in parallel, about tries × timeout.
	serial := time.Duration(silent*cfg.Tries) * cfg.Timeout
	if silent < 4 || elapsed > serial/2 {
		t.Errorf("%d silent queries took %s; serial would be %s", silent, elapsed, serial)
	}
	if u.MaxInFlight() < silent {
		t.Errorf("at most %d queries in flight, want all %d silent ones at once", u.MaxInFlight(), silent)
	}
}

// One dead server among live ones must not hold up resolution: once the
// zone has answered, the silent server's main query is cut after
// StragglerFloor and recorded as abandoned (ddx stopped waiting), never as
// a timeout. Its survey queries are not cut: they wait tries × timeout and
// are the evidence that the server is dead.
func TestStragglersAreCut(t *testing.T) {
	t.Parallel()
	cfg := cfgFor(demo(t))
	cfg.Timeout = 2 * time.Second
	cfg.Tries = 1
	start := time.Now()
	tr := runTrace(t, cfg, "www.halfdead.test", dns.TypeA)
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("took %s with one dead server and tries × timeout = 2s", d)
	}
	if tr.Outcome.Rcode != trace.RcodeNoError {
		t.Fatalf("outcome %s", tr.Outcome.Rcode)
	}
	found := false
	for _, s := range stepFor(t, tr, "halfdead.test.").Servers {
		if s.Address != "203.0.113.3" {
			continue
		}
		found = true
		q := s.Queries[0]
		if q.Purpose != trace.PurposeResolve || q.ErrorKind != trace.ErrKindAbandoned || !strings.Contains(q.Error, "other servers had answered") || len(q.Attempts) != 1 {
			t.Errorf("dead server: %s %q after %d attempts", q.ErrorKind, q.Error, len(q.Attempts))
		}
		if q.RTTms >= 2000 {
			t.Errorf("main query waited %.0f ms: not cut", q.RTTms)
		}
		for _, sq := range s.Queries[1:] {
			if sq.ErrorKind != trace.ErrKindTimeout || len(sq.Attempts) != cfg.Tries {
				t.Errorf("survey %s %s: %s after %d attempts, want a timeout after %d", sq.Name, sq.Type, sq.ErrorKind, len(sq.Attempts), cfg.Tries)
			}
		}
	}
	if !found {
		t.Fatal("the dead server was not asked")
	}
}
