package trace_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/netip"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/ddxdns/ddx/internal/hostile"
	"github.com/ddxdns/ddx/trace"
	"github.com/ddxdns/ddx/trace/sim"
	"github.com/miekg/dns"
)

// Hostile universes, built in memory: each is the smallest shape of one
// attack class from issue 18, with the bound the engine must keep.

// load loads a universe of package hostile.
func load(t testing.TB, fsys fstest.MapFS) *sim.Universe {
	t.Helper()
	u, err := sim.Load(fsys, hostile.Dir)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func wide(t testing.TB, names, addrs int) *sim.Universe { return load(t, hostile.Wide(names, addrs)) }
func forked(t testing.TB, depth int) *sim.Universe      { return load(t, hostile.Forked(depth)) }
func aliased(t testing.TB, depth int) *sim.Universe     { return load(t, hostile.Aliased(depth)) }
func huge(t testing.TB) *sim.Universe                   { return load(t, hostile.Huge()) }
func crowded(t testing.TB, depth, names int) *sim.Universe {
	return load(t, hostile.Crowded(depth, names))
}

// jsonSize is the size of a trace's JSON form.
func jsonSize(t testing.TB, tr *trace.Trace) int {
	t.Helper()
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(tr); err != nil {
		t.Fatal(err)
	}
	return b.Len()
}

func servers(tr *trace.Trace) int {
	n := 0
	for _, st := range tr.Steps {
		n += len(st.Servers)
	}
	return n
}

// counted counts the packets sent to a universe, leaving out the DNSSEC
// questions (DS, DNSKEY), whose number is not what these tests bound;
// all counts them too.
type counted struct {
	*sim.Universe
	mu     sync.Mutex
	n, all int
}

func (c *counted) Exchange(ctx context.Context, m *dns.Msg, ap netip.AddrPort, transport string) (*dns.Msg, time.Duration, error) {
	c.mu.Lock()
	c.all++
	if t := m.Question[0].Qtype; t != dns.TypeDS && t != dns.TypeDNSKEY {
		c.n++
	}
	c.mu.Unlock()
	return c.Universe.Exchange(ctx, m, ap, transport)
}

func (c *counted) packets() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// hostileRun traces name in u and returns the trace and the packets sent.
func hostileRun(t testing.TB, u *sim.Universe, name string, qtype uint16) (*trace.Trace, int) {
	t.Helper()
	tr, c := hostileCount(t, u, name, qtype)
	return tr, c.packets()
}

// hostileCount traces name in u and returns the trace and its counts.
func hostileCount(t testing.TB, u *sim.Universe, name string, qtype uint16) (*trace.Trace, *counted) {
	t.Helper()
	c := &counted{Universe: u}
	cfg := cfgFor(u)
	cfg.Exchanger = c
	// Every server here answers at once: a long timeout keeps a busy
	// machine from adding retries to the counts, and no straggler cut
	// (a reply more than a second late under -race) from taking replies.
	cfg.Timeout = 5 * time.Second
	cfg.StragglerFloor = cfg.Timeout * time.Duration(max(cfg.Tries, 2))
	tr, err := trace.Run(context.Background(), cfg, name, qtype, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %s, %d packets (%d with DS and DNSKEY), %d steps, %d servers, %d bytes of JSON, limits %v",
		name, tr.Outcome.Rcode, c.packets(), c.all, len(tr.Steps), servers(tr), jsonSize(t, tr), tr.Limits)
	return tr, c
}

func hasLimit(tr *trace.Trace, b trace.BudgetName) bool {
	for _, l := range tr.Limits {
		if l.Budget == b {
			return true
		}
	}
	return false
}

// A healthy name behind 50 name servers of 20 addresses each resolves,
// within the query budget: the cut is asked through a sample of two
// addresses for each of the 20 names used, and says what it left out.
// The referral (50 names, 1,000 addresses: 20 KB) is kept trimmed to
// 4 KiB, 20 names and the first addresses of each, round robin; the
// addresses it left out are counted with those the sample left out.
// Before: 2,000 packets (the budget), 402 servers, 10.4 MB of JSON.
// Then: 409 packets (40 servers × resolve, SOA, NS over UDP then TCP,
// and a window of 3 in-zone names × A and AAAA), 42 servers, 580 KB.
// Now: 249 packets (a window of one in-zone name × A and AAAA), 330 KB.
func TestWideDelegationResolves(t *testing.T) {
	t.Parallel()
	tr, packets := hostileRun(t, wide(t, 50, 20), "www.wide.test", dns.TypeA)
	if tr.Outcome.Rcode != trace.RcodeNoError {
		t.Fatalf("outcome %s: %s", tr.Outcome.Rcode, tr.Outcome.Explanation)
	}
	if hasLimit(tr, trace.BudgetQueries) || !hasLimit(tr, trace.BudgetAddresses) || !hasLimit(tr, trace.BudgetNSPerZone) {
		t.Errorf("limits %+v: want addresses and ns-per-zone, not queries", tr.Limits)
	}
	st := stepFor(t, tr, "wide.test.")
	if len(st.Servers) != 40 || st.Unasked != 360 || len(st.Skipped) != 20 || st.Delegation.Omitted != 30 {
		t.Errorf("wide.test.: %d servers asked, %d unasked, %d skip lines, %d names omitted; want 40, 360, 20, 30",
			len(st.Servers), st.Unasked, len(st.Skipped), st.Delegation.Omitted)
	}
	if want := "ns01.wide.test.: 18 of 20 addresses not asked (a sample of 2 per name)"; len(st.Skipped) == 0 || st.Skipped[0] != want {
		t.Errorf("skipped %q, want %q first", st.Skipped, want)
	}
	if packets != 249 {
		t.Errorf("%d packets, want 249", packets)
	}
	if n := jsonSize(t, tr); n > 600<<10 {
		t.Errorf("%d bytes of JSON, want at most 600 KiB", n)
	}
}

// Referral forks that lead to the same servers are walked once: the
// branches of a lookup that reach the same zone with the same NS set go
// on as one step, and a question already put to an address is answered
// from the run's record.
func TestReferralForksShareTheWork(t *testing.T) {
	t.Parallel()
	tr, packets := hostileRun(t, forked(t, 10), "www.l10.l9.l8.l7.l6.l5.l4.l3.l2.fork.test", dns.TypeA)
	if tr.Outcome.Rcode != trace.RcodeNoError {
		t.Fatalf("outcome %s: %s", tr.Outcome.Rcode, tr.Outcome.Explanation)
	}
	// Root and test., one step for fork.test., then two per zone (the x
	// and the y NS sets); each address is asked the name once and
	// surveyed once. Before: 200 steps (the budget: INCOMPLETE), 484
	// packets, 910 KB of JSON.
	if packets != 108 || len(tr.Steps) != 21 || hasLimit(tr, trace.BudgetSteps) {
		t.Errorf("%d packets, %d steps, limits %v; want 108 packets, 21 steps", packets, len(tr.Steps), tr.Limits)
	}
	joined := 0
	for _, st := range tr.Steps {
		for _, r := range st.Results {
			if r.SameAs > 0 {
				joined++
			}
		}
	}
	if joined != 16 { // two of the four referrals at each of l3..l10
		t.Errorf("%d referrals joined another branch's step, want 16", joined)
	}
	if n := jsonSize(t, tr); n > 200<<10 {
		t.Errorf("%d bytes of JSON, want at most 200 KiB", n)
	}
}

// Alias forks that lead to the same names are followed once: a CNAME
// target already being resolved from the same cut, at the same depth of
// the chain, is shared.
func TestAliasForksShareTheWork(t *testing.T) {
	t.Parallel()
	tr, packets := hostileRun(t, aliased(t, 12), "n0.p.test", dns.TypeA)
	if tr.Outcome.Rcode != trace.RcodeNoError {
		t.Fatalf("outcome %s: %s", tr.Outcome.Rcode, tr.Outcome.Explanation)
	}
	// One lookup per name (n0, then a and b at each of 12 levels), each
	// asking its zone's two servers once. Before: SERVFAIL at the step
	// budget (200 steps), 426 packets, 500 KB of JSON.
	if packets != 84 || len(tr.Steps) != 29 || len(tr.Lookups) != 25 || len(tr.Limits) != 0 {
		t.Errorf("%d packets, %d steps, %d lookups, limits %v; want 84, 29, 25, none", packets, len(tr.Steps), len(tr.Lookups), tr.Limits)
	}
	if n := jsonSize(t, tr); n > 150<<10 {
		t.Errorf("%d bytes of JSON, want at most 150 KiB", n)
	}
}
