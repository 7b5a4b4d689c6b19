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
// 4 KiB, 20 names and the first addresses of each, round robin.
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
	if len(st.Servers) != 40 || st.Unasked != 70 || len(st.Skipped) != 20 || st.Delegation.Omitted != 30 {
		t.Errorf("wide.test.: %d servers asked, %d unasked, %d skip lines, %d names omitted; want 40, 70, 20, 30",
			len(st.Servers), st.Unasked, len(st.Skipped), st.Delegation.Omitted)
	}
	if want := "ns01.wide.test.: 4 of 6 addresses not asked (a sample of 2 per name)"; len(st.Skipped) == 0 || st.Skipped[0] != want {
		t.Errorf("skipped %q, want %q first", st.Skipped, want)
	}
	if packets != 409 {
		t.Errorf("%d packets, want 409", packets)
	}
	if n := jsonSize(t, tr); n > 600<<10 {
		t.Errorf("%d bytes of JSON, want at most 600 KiB", n)
	}
}
