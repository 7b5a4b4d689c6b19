package trace_test

import (
	"context"
	"net/netip"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/ddxdns/ddx"
	"github.com/ddxdns/ddx/trace"
	"github.com/ddxdns/ddx/trace/sim"
	"github.com/miekg/dns"
)

// demo loads the demo universe with no simulated delay.
func demo(t testing.TB) *sim.Universe {
	t.Helper()
	u, err := sim.Load(ddx.Universe, ddx.UniverseDir)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func cfgFor(u *sim.Universe) trace.Config {
	return trace.Config{Roots: u.Roots(), Exchanger: u, Timeout: 50 * time.Millisecond}
}

func runTrace(t testing.TB, cfg trace.Config, name string, qtype uint16) *trace.Trace {
	t.Helper()
	tr, err := trace.Run(context.Background(), cfg, name, qtype, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func stepFor(t testing.TB, tr *trace.Trace, zone string) *trace.Step {
	t.Helper()
	for _, st := range tr.Steps {
		if st.Zone == zone && st.Lookup == 0 {
			return st
		}
	}
	t.Fatalf("no step for zone %s", zone)
	return nil
}

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
	kinds := map[string][]string{}
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

func TestGluelessNameServersAreResolved(t *testing.T) {
	t.Parallel()
	tr := runTrace(t, cfgFor(demo(t)), "cdn.healthy.test", dns.TypeA)
	if tr.Outcome.Rcode != trace.RcodeNoError || !strings.Contains(strings.Join(tr.Outcome.Answers, " "), "192.0.2.88") {
		t.Fatalf("outcome %s %v", tr.Outcome.Rcode, tr.Outcome.Answers)
	}
	var cdn *trace.Step
	for _, st := range tr.Steps {
		if st.Zone == "cdn.example." {
			cdn = st
		}
	}
	if cdn == nil {
		t.Fatal("no step for cdn.example.")
	}
	for _, h := range cdn.Delegation.NS {
		if len(h.Glue) != 0 || len(h.Lookup) == 0 || len(h.Addrs) == 0 {
			t.Errorf("%s: glue %v lookups %v addrs %v: want resolved by sub-lookup", h.Name, h.Glue, h.Lookup, h.Addrs)
		}
		for _, id := range h.Lookup {
			if l := tr.LookupByID(id); l.Reason != trace.ReasonNSAddr || l.FromStep != cdn.ID {
				t.Errorf("lookup %d: %+v", id, l)
			}
		}
	}
}

func TestCNAMEFollowedAndLoopsDetected(t *testing.T) {
	t.Parallel()
	u := demo(t)
	tr := runTrace(t, cfgFor(u), "www.chain.test", dns.TypeA)
	if tr.Outcome.Rcode != trace.RcodeNoError || !strings.Contains(strings.Join(tr.Outcome.Answers, " "), "192.0.2.89") {
		t.Errorf("chain: %s %v", tr.Outcome.Rcode, tr.Outcome.Answers)
	}
	tr = runTrace(t, cfgFor(u), "www.loop.test", dns.TypeA)
	if tr.Outcome.Rcode != trace.RcodeServFail || !strings.Contains(tr.Outcome.Explanation, "loop") {
		t.Errorf("loop: %s %s", tr.Outcome.Rcode, tr.Outcome.Explanation)
	}
}

func TestBudgets(t *testing.T) {
	t.Parallel()
	u := demo(t)
	cases := []struct {
		name   string
		qname  string
		budget trace.Budget
		want   string
	}{
		{"queries", "www.healthy.test", trace.Budget{Queries: 10}, "queries"},
		{"cname hops", "www.chain.test", trace.Budget{CNAMEHops: 1}, "cname-hops"},
		{"glueless depth", "www.deep.test", trace.Budget{GluelessDepth: 1}, "glueless-depth"},
		{"ns per zone", "www.many.test", trace.Budget{NSPerZone: 3}, "ns-per-zone"},
		{"steps", "www.healthy.test", trace.Budget{Steps: 2}, "steps"},
		{"deadline", "www.dead.test", trace.Budget{Deadline: 30 * time.Millisecond}, "deadline"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := cfgFor(u)
			cfg.Budget = c.budget
			tr := runTrace(t, cfg, c.qname, dns.TypeA)
			found := false
			for _, l := range tr.Limits {
				found = found || l.Budget == c.want
			}
			if !found {
				t.Errorf("limits %+v, want %s", tr.Limits, c.want)
			}
			if c.budget.Queries > 0 && tr.Stats.Queries > c.budget.Queries {
				t.Errorf("%d queries sent, budget %d", tr.Stats.Queries, c.budget.Queries)
			}
		})
	}
}

func TestGluelessCycleEnds(t *testing.T) {
	t.Parallel()
	tr := runTrace(t, cfgFor(demo(t)), "www.cycle.test", dns.TypeA)
	if tr.Outcome.Rcode != trace.RcodeServFail {
		t.Fatalf("outcome %s, want SERVFAIL", tr.Outcome.Rcode)
	}
	found := false
	for _, st := range tr.Steps {
		for _, h := range st.Delegation.NS {
			found = found || strings.Contains(h.Error, "cycle")
		}
	}
	if !found {
		t.Error("no name server records the cycle")
	}
}

// small builds a universe from inline files: one root server that also
// serves example., and one more server with the given faults.
func small(t testing.TB, faults string) *sim.Universe {
	t.Helper()
	fsys := fstest.MapFS{
		"u/servers.conf": {Data: []byte("server 192.0.2.1 a.root. zones=.\nserver 192.0.2.2 ns.example. zones=example. fault=" + faults + "\n")},
		"u/zones/root.zone": {Data: []byte(`. 3600 SOA a.root. h.root. 1 7200 1800 1209600 300
. 3600 NS a.root.
a.root. 3600 A 192.0.2.1
example. 3600 NS ns.example.
ns.example. 3600 A 192.0.2.2
`)},
		"u/zones/example.zone": {Data: []byte(`example. 3600 SOA ns.example. h.example. 1 7200 1800 1209600 300
example. 3600 NS ns.example.
ns.example. 3600 A 192.0.2.2
www.example. 3600 A 192.0.2.80
`)},
	}
	u, err := sim.Load(fsys, "u")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func mainQuery(t testing.TB, tr *trace.Trace, zone string) *trace.Query {
	t.Helper()
	st := stepFor(t, tr, zone)
	if len(st.Servers) == 0 || len(st.Servers[0].Queries) == 0 {
		t.Fatalf("%s: no queries", zone)
	}
	return st.Servers[0].Queries[0]
}

func TestRetriesAndFallbacks(t *testing.T) {
	t.Parallel()
	cases := []struct {
		fault      string
		wantRcode  string
		wantSteps  []string // transport/edns/outcome of each attempt
		wantErrKnd string
	}{
		{"truncate", trace.RcodeNoError, []string{"udp edns NOERROR tc", "tcp edns NOERROR"}, ""},
		{"truncate,tcp-drop", trace.RcodeServFail, []string{"udp edns NOERROR tc", "tcp edns timeout"}, "tcp"},
		{"formerr-edns", trace.RcodeNoError, []string{"udp edns FORMERR", "udp no-edns NOERROR"}, ""},
		{"drop-edns", trace.RcodeNoError, []string{"udp edns timeout", "udp no-edns NOERROR", "udp edns timeout"}, ""},
		{"drop", trace.RcodeServFail, []string{"udp edns timeout", "udp no-edns timeout"}, "timeout"},
		{"unreachable", trace.RcodeServFail, []string{"udp edns unreachable"}, "unreachable"},
		{"wrong-id", trace.RcodeServFail, []string{"udp edns invalid", "udp edns invalid"}, "invalid"},
		{"wrong-question", trace.RcodeServFail, []string{"udp edns invalid", "udp edns invalid"}, "invalid"},
	}
	for _, c := range cases {
		t.Run(c.fault, func(t *testing.T) {
			t.Parallel()
			tr := runTrace(t, cfgFor(small(t, c.fault)), "www.example", dns.TypeA)
			if tr.Outcome.Rcode != c.wantRcode {
				t.Errorf("outcome %s, want %s", tr.Outcome.Rcode, c.wantRcode)
			}
			q := mainQuery(t, tr, "example.")
			var got []string
			for _, a := range q.Attempts {
				edns := "edns"
				if !a.EDNS {
					edns = "no-edns"
				}
				what := a.Rcode
				if a.ErrorKind != "" {
					what = a.ErrorKind
					if a.Transport == "tcp" {
						what = "timeout"
					}
				}
				s := a.Transport + " " + edns + " " + what
				if a.TC {
					s += " tc"
				}
				got = append(got, s)
			}
			if strings.Join(got, "; ") != strings.Join(c.wantSteps, "; ") {
				t.Errorf("attempts\n got %v\nwant %v", got, c.wantSteps)
			}
			if q.ErrorKind != c.wantErrKnd {
				t.Errorf("error kind %q, want %q", q.ErrorKind, c.wantErrKnd)
			}
		})
	}
}

func TestEventsDescribeTheRun(t *testing.T) {
	t.Parallel()
	events := make(chan trace.Event, 16)
	done := make(chan *trace.Trace)
	go func() {
		tr, _ := trace.Run(context.Background(), cfgFor(demo(t)), "www.healthy.test", dns.TypeA, events)
		done <- tr
	}()
	steps, queries, results := 0, 0, 0
	for ev := range events {
		switch ev.Kind {
		case trace.EvStepStarted:
			steps++
		case trace.EvQueryDone:
			queries++
		case trace.EvResult:
			results++
		}
	}
	tr := <-done
	if steps != len(tr.Steps) || queries != tr.Stats.Queries || results == 0 {
		t.Errorf("events: %d steps, %d queries, %d results; trace has %d steps, %d queries", steps, queries, results, len(tr.Steps), tr.Stats.Queries)
	}
}

func TestCancelStopsPromptlyWithoutLeaks(t *testing.T) {
	before := runtime.NumGoroutine()
	cfg := cfgFor(demo(t))
	cfg.Timeout = 10 * time.Second
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	if _, err := trace.Run(ctx, cfg, "www.dead.test", dns.TypeA, nil); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancelled run took %s", d)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines left after cancel, %d before", n, before)
	}
}

func TestBadNames(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"", "a..b", strings.Repeat("a", 64) + ".test", strings.Repeat("abcdefgh.", 32)} {
		if _, err := trace.Run(context.Background(), trace.Config{Exchanger: small(t, "")}, name, dns.TypeA, nil); err == nil {
			t.Errorf("%q: no error", name)
		}
	}
}

// One dead server among live ones must not cost tries × timeout: once the
// zone has answered, the silent server is cut after StragglerFloor, and
// recorded as a timeout.
func TestStragglersAreCut(t *testing.T) {
	t.Parallel()
	cfg := cfgFor(demo(t))
	cfg.Timeout = 10 * time.Second
	start := time.Now()
	tr := runTrace(t, cfg, "www.halfdead.test", dns.TypeA)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s with one dead server and a 10 s timeout", d)
	}
	if tr.Outcome.Rcode != trace.RcodeNoError {
		t.Fatalf("outcome %s", tr.Outcome.Rcode)
	}
	for _, s := range stepFor(t, tr, "halfdead.test.").Servers {
		if s.Address != "203.0.113.3" {
			continue
		}
		q := s.Queries[0]
		if q.ErrorKind != "timeout" || !strings.Contains(q.Error, "other servers had answered") || len(q.Attempts) != 1 {
			t.Errorf("dead server: %s %q after %d attempts", q.ErrorKind, q.Error, len(q.Attempts))
		}
	}
}

// spiked adds records to the answers one server gives to NS questions.
type spiked struct {
	*sim.Universe
	server netip.Addr
	extra  []string
}

func (s spiked) Exchange(ctx context.Context, m *dns.Msg, ap netip.AddrPort, transport string) (*dns.Msg, time.Duration, error) {
	r, rtt, err := s.Universe.Exchange(ctx, m, ap, transport)
	if err == nil && ap.Addr() == s.server && m.Question[0].Qtype == dns.TypeNS {
		for _, x := range s.extra {
			rr, perr := dns.NewRR(x)
			if perr != nil {
				panic(perr)
			}
			r.Answer = append(r.Answer, rr)
		}
	}
	return r, rtt, err
}

// A child server's NS answer may hold anything: records of other types
// are skipped (they once crashed the engine), and the NS names only the
// child lists are still found.
func TestChildNSAnswerWithOtherRecords(t *testing.T) {
	t.Parallel()
	u := small(t, "")
	cfg := cfgFor(u)
	cfg.Exchanger = spiked{u, netip.MustParseAddr("192.0.2.2"), []string{"example. 60 A 192.0.2.9", "example. 60 CNAME elsewhere.", "example. 60 NS ns2.example."}}
	cfg.Probes = true
	tr := runTrace(t, cfg, "example.", dns.TypeSOA)
	if tr.Outcome.Rcode != trace.RcodeNoError {
		t.Fatalf("outcome %s", tr.Outcome.Rcode)
	}
	st := stepFor(t, tr, "example.")
	if len(st.ChildOnly) != 1 || st.ChildOnly[0].Name != "ns2.example." {
		t.Fatalf("child-only NS %+v, want ns2.example.", st.ChildOnly)
	}
}
