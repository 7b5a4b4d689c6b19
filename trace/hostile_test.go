package trace_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/ddxdns/ddx/trace"
	"github.com/ddxdns/ddx/trace/sim"
	"github.com/miekg/dns"
)

// Hostile universes, built in memory: each is the smallest shape of one
// attack class from issue 18, with the bound the engine must keep.

const hostileRoot = `. 3600 SOA a.root. h.root. 1 7200 1800 1209600 300
. 3600 NS a.root.
a.root. 3600 A 192.0.2.1
test. 3600 NS ns.test.
ns.test. 3600 A 192.0.2.2
`

// universe builds a universe from servers.conf lines and zone files (by
// file name, without .zone), with the root and test. already in place.
func universe(t testing.TB, conf []string, zones map[string]string) *sim.Universe {
	t.Helper()
	fsys := fstest.MapFS{
		"u/servers.conf":    {Data: []byte("server 192.0.2.1 a.root. zones=.\nserver 192.0.2.2 ns.test. zones=test.\n" + strings.Join(conf, "\n") + "\n")},
		"u/zones/root.zone": {Data: []byte(hostileRoot)},
	}
	for name, data := range zones {
		fsys["u/zones/"+name+".zone"] = &fstest.MapFile{Data: []byte(data)}
	}
	u, err := sim.Load(fsys, "u")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// wide is test. delegating wide.test. to names NS names of addrs addresses
// each, every address a healthy server of the zone.
func wide(t testing.TB, names, addrs int) *sim.Universe {
	t.Helper()
	var conf []string
	var glue strings.Builder
	for i := 1; i <= names; i++ {
		fmt.Fprintf(&glue, "wide.test. 3600 NS ns%02d.wide.test.\n", i)
		for j := 1; j <= addrs; j++ {
			fmt.Fprintf(&glue, "ns%02d.wide.test. 3600 A 10.1.%d.%d\n", i, i, j)
			conf = append(conf, fmt.Sprintf("server 10.1.%d.%d ns%02d.wide.test. zones=wide.test.", i, j, i))
		}
	}
	return universe(t, conf, map[string]string{
		"test": "test. 3600 SOA ns.test. h.test. 1 7200 1800 1209600 300\ntest. 3600 NS ns.test.\nns.test. 3600 A 192.0.2.2\n" + glue.String(),
		"wide.test": "wide.test. 3600 SOA ns01.wide.test. h.wide.test. 1 7200 1800 1209600 300\n" + glue.String() +
			"www.wide.test. 3600 A 192.0.2.80\n",
	})
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
// questions (DS, DNSKEY), whose number is not what these tests bound.
type counted struct {
	*sim.Universe
	mu sync.Mutex
	n  int
}

func (c *counted) Exchange(ctx context.Context, m *dns.Msg, ap netip.AddrPort, transport string) (*dns.Msg, time.Duration, error) {
	if t := m.Question[0].Qtype; t != dns.TypeDS && t != dns.TypeDNSKEY {
		c.mu.Lock()
		c.n++
		c.mu.Unlock()
	}
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
	c := &counted{Universe: u}
	cfg := cfgFor(u)
	cfg.Exchanger = c
	// Every server here answers at once: a long timeout keeps a busy
	// machine from adding retries to the counts.
	cfg.Timeout = 5 * time.Second
	tr, err := trace.Run(context.Background(), cfg, name, qtype, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %s, %d packets, %d steps, %d servers, %d bytes of JSON, limits %v",
		name, tr.Outcome.Rcode, c.packets(), len(tr.Steps), servers(tr), jsonSize(t, tr), tr.Limits)
	return tr, c.packets()
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
// After: 409 packets (40 servers × resolve, SOA, NS over UDP then TCP,
// and a window of 3 in-zone names × A and AAAA), 42 servers, 580 KB.
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
	if packets != 409 {
		t.Errorf("%d packets, want 409", packets)
	}
	if n := jsonSize(t, tr); n > 600<<10 {
		t.Errorf("%d bytes of JSON, want at most 600 KiB", n)
	}
}

// forked is a chain of depth zones below fork.test. whose two servers each
// refer to the next zone with their own NS name, x or y; both names have
// the addresses of the same two servers. Every cut forks in two, and
// every branch leads to the same servers.
func forked(t testing.TB, depth int) *sim.Universe {
	t.Helper()
	zone := func(k int) string {
		z := "fork.test."
		for i := 2; i <= k; i++ {
			z = fmt.Sprintf("l%d.", i) + z
		}
		return z
	}
	addrs := func(k int) [2]string { return [2]string{fmt.Sprintf("10.2.%d.1", k), fmt.Sprintf("10.2.%d.2", k)} }
	var conf []string
	zones := map[string]string{
		"test": "test. 3600 SOA ns.test. h.test. 1 7200 1800 1209600 300\ntest. 3600 NS ns.test.\nns.test. 3600 A 192.0.2.2\n" +
			"fork.test. 3600 NS x.fork.test.\nx.fork.test. 3600 A 10.2.1.1\nx.fork.test. 3600 A 10.2.1.2\n",
	}
	for k := 1; k <= depth; k++ {
		z, a := zone(k), addrs(k)
		for i, label := range []string{"x", "y"} {
			var b strings.Builder
			fmt.Fprintf(&b, "%s 3600 SOA x.%s h.%s 1 7200 1800 1209600 300\n%s 3600 NS x.%s\nx.%s 3600 A %s\nx.%s 3600 A %s\n", z, z, z, z, z, z, a[0], z, a[1])
			if label == "y" {
				fmt.Fprintf(&b, "y.%s 3600 A %s\ny.%s 3600 A %s\n", z, a[0], z, a[1])
			}
			if k < depth {
				c, ca := zone(k+1), addrs(k+1)
				fmt.Fprintf(&b, "%s 3600 NS %s.%s\n%s.%s 3600 A %s\n%s.%s 3600 A %s\n", c, label, c, label, c, ca[0], label, c, ca[1])
			} else {
				fmt.Fprintf(&b, "www.%s 3600 A 192.0.2.80\n", z)
			}
			file := fmt.Sprintf("f%d%s", k, label)
			zones[file] = b.String()
			conf = append(conf, fmt.Sprintf("server %s %s.%s zones=%s:%s", a[i], label, z, z, file))
		}
	}
	return universe(t, conf, zones)
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

// aliased is two zones, p.test. and q.test., whose two servers each alias
// every name of level k to their own name of level k+1 in the other zone
// (a or b): every alias forks in two, and every branch leads to the same
// names and servers. Level depth has the addresses.
func aliased(t testing.TB, depth int) *sim.Universe {
	t.Helper()
	zones := map[string]string{
		"test": "test. 3600 SOA ns.test. h.test. 1 7200 1800 1209600 300\ntest. 3600 NS ns.test.\nns.test. 3600 A 192.0.2.2\n" +
			"p.test. 3600 NS ns1.p.test.\np.test. 3600 NS ns2.p.test.\nns1.p.test. 3600 A 10.3.0.1\nns2.p.test. 3600 A 10.3.0.2\n" +
			"q.test. 3600 NS ns1.q.test.\nq.test. 3600 NS ns2.q.test.\nns1.q.test. 3600 A 10.4.0.1\nns2.q.test. 3600 A 10.4.0.2\n",
	}
	var conf []string
	for zi, z := range []string{"p.test.", "q.test."} {
		other := []string{"q.test.", "p.test."}[zi]
		for i, own := range []string{"a", "b"} {
			var b strings.Builder
			fmt.Fprintf(&b, "%s 3600 SOA ns1.%s h.%s 1 7200 1800 1209600 300\n%s 3600 NS ns1.%s\n%s 3600 NS ns2.%s\n", z, z, z, z, z, z, z)
			fmt.Fprintf(&b, "ns1.%s 3600 A 10.%d.0.1\nns2.%s 3600 A 10.%d.0.2\n", z, 3+zi, z, 3+zi)
			for k := 0; k <= depth; k++ {
				if k%2 != zi {
					continue
				}
				for _, l := range []string{"a", "b"} {
					if k == 0 && l == "b" {
						continue
					}
					name := fmt.Sprintf("n%d%s.%s", k, l, z)
					if k == 0 {
						name = "n0." + z
					}
					if k == depth {
						fmt.Fprintf(&b, "%s 3600 A 192.0.2.80\n", name)
					} else {
						fmt.Fprintf(&b, "%s 3600 CNAME n%d%s.%s\n", name, k+1, own, other)
					}
				}
			}
			file := fmt.Sprintf("%s%s", strings.TrimSuffix(z, ".test."), own)
			zones[file] = b.String()
			conf = append(conf, fmt.Sprintf("server 10.%d.0.%d ns%d.%s zones=%s:%s", 3+zi, i+1, i+1, z, z, file))
		}
	}
	return universe(t, conf, zones)
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
