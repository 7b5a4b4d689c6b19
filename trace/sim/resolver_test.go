package sim_test

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/ddxdns/ddx/internal/demotest"
	"github.com/ddxdns/ddx/trace"
	"github.com/ddxdns/ddx/trace/sim"
	"github.com/miekg/dns"
)

func demo(t testing.TB) *sim.Universe {
	t.Helper()
	return demotest.Universe(t)
}

// The demo resolvers disagree about gone.lab the way resolvers do in the
// wild: the one stuck on the stale lab. server fails, the others do not.
func TestDemoResolvers(t *testing.T) {
	t.Parallel()
	u := demo(t)
	stale, sticky, authonly := ap("198.51.100.201"), ap("198.51.100.202"), ap("198.51.100.203")
	for _, tc := range []struct {
		server    netip.AddrPort
		name      string
		qtype     uint16
		rcode     string
		ra        bool
		answers   []string // presentation form, TTL included
		authority string   // substring of the authority section
		ede       string   // "CODE TEXT" of the one EDE expected
	}{
		{stale, "gone.lab.", dns.TypeNS, "SERVFAIL", true, nil, "", "22 at delegation gone.lab."},
		{sticky, "gone.lab.", dns.TypeNS, "NXDOMAIN", true, nil, "lab.\t86400\tIN\tSOA", ""},
		{authonly, "gone.lab.", dns.TypeNS, "REFUSED", false, nil, "", "18 "},
		{stale, "www.healthy.test.", dns.TypeA, "NOERROR", true, []string{"www.healthy.test.\t3600\tIN\tA\t192.0.2.80"}, "", ""},
		{sticky, "www.healthy.test.", dns.TypeA, "NOERROR", true, []string{"www.healthy.test.\t86400\tIN\tA\t192.0.2.80"}, "", ""},
		// A CNAME into another zone, whose servers have no glue.
		{stale, "cdn.healthy.test.", dns.TypeA, "NOERROR", true, []string{"cdn.healthy.test.\t3600\tIN\tCNAME\tedge.cdn.example.", "edge.cdn.example.\t3600\tIN\tA\t192.0.2.88"}, "", ""},
		{stale, "www.loop.test.", dns.TypeA, "SERVFAIL", true, nil, "", "0 CNAME loop"},
		{stale, "nosuch.healthy.test.", dns.TypeA, "NXDOMAIN", true, nil, "healthy.test.\t3600\tIN\tSOA", ""},
		{stale, "www.healthy.test.", dns.TypeMX, "NOERROR", true, nil, "healthy.test.\t3600\tIN\tSOA", ""},
		{stale, "www.dead.test.", dns.TypeA, "SERVFAIL", true, nil, "", "22 at delegation dead.test."},
		{stale, "www.lame.test.", dns.TypeA, "NOERROR", true, []string{"www.lame.test.\t3600\tIN\tA\t192.0.2.33"}, "", ""},
		{stale, "www.deep.test.", dns.TypeA, "NOERROR", true, nil, "", ""},
	} {
		t.Run(tc.server.Addr().String()+"/"+tc.name+"/"+dns.TypeToString[tc.qtype], func(t *testing.T) {
			r := trace.AskResolver(context.Background(), tc.server, tc.name, tc.qtype, trace.ResolverOptions{Exchanger: u, Timeout: 5 * time.Second})
			if r.Error != "" || r.Rcode != tc.rcode || r.RA != tc.ra {
				t.Fatalf("got %s (RA %v, error %q), want %s (RA %v)\n%v", r.Rcode, r.RA, r.Error, tc.rcode, tc.ra, r.Reply)
			}
			var got []string
			for _, rr := range r.Reply.Answer {
				got = append(got, rr.String())
			}
			if tc.answers != nil && strings.Join(got, "\n") != strings.Join(tc.answers, "\n") {
				t.Errorf("answers:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.answers, "\n"))
			}
			if tc.answers == nil && tc.rcode == "NOERROR" && tc.authority == "" && len(got) == 0 {
				t.Errorf("no answer")
			}
			var auth []string
			for _, rr := range r.Reply.Ns {
				auth = append(auth, rr.String())
			}
			if !strings.Contains(strings.Join(auth, "\n"), tc.authority) {
				t.Errorf("authority %q lacks %q", auth, tc.authority)
			}
			var ede []string
			for _, e := range r.EDE {
				ede = append(ede, fmt.Sprintf("%d %s", e.Code, e.Text))
			}
			if tc.ede == "" && len(ede) > 0 || tc.ede != "" && (len(ede) != 1 || !strings.HasPrefix(ede[0], tc.ede)) {
				t.Errorf("EDE %q, want %q", ede, tc.ede)
			}
		})
	}
}

func ap(s string) netip.AddrPort { return netip.AddrPortFrom(netip.MustParseAddr(s), 53) }

// A resolver's RTT is its own latency plus the iteration's simulated time:
// the dead servers of gone.lab cost the stale resolver two timeouts each
// (with EDNS, then without).
func TestResolverTime(t *testing.T) {
	t.Parallel()
	u := demo(t)
	fast := trace.AskResolver(context.Background(), ap("198.51.100.202"), "gone.lab.", dns.TypeNS, trace.ResolverOptions{Exchanger: u})
	slow := trace.AskResolver(context.Background(), ap("198.51.100.201"), "gone.lab.", dns.TypeNS, trace.ResolverOptions{Exchanger: u})
	if fast.RTTms < 20 || fast.RTTms > 200 || slow.RTTms < 800 || slow.RTTms > 1200 {
		t.Errorf("RTT %v ms (sticky, NXDOMAIN) and %v ms (stale, dead servers)", fast.RTTms, slow.RTTms)
	}
	// Slower than the client's timeout: the client times out, as it would.
	u.Deadlines = true
	late := trace.AskResolver(context.Background(), ap("198.51.100.201"), "gone.lab.", dns.TypeNS, trace.ResolverOptions{Exchanger: u, Timeout: 100 * time.Millisecond, Tries: 1})
	if late.Error == "" {
		t.Errorf("a 1 s answer within a 100 ms timeout: %+v", late)
	}
}

func TestResolverWithoutRD(t *testing.T) {
	t.Parallel()
	u := demo(t)
	m := new(dns.Msg)
	m.SetQuestion("www.healthy.test.", dns.TypeA)
	m.RecursionDesired = false
	r, _, err := u.Exchange(context.Background(), m, ap("198.51.100.202"), "udp")
	if err != nil || r.Rcode != dns.RcodeRefused || !r.RecursionAvailable || len(r.Answer) != 0 {
		t.Errorf("RD=0 to a resolver without a cache: %v %v", r, err)
	}
}

func TestResolverLines(t *testing.T) {
	t.Parallel()
	u := demo(t)
	var got []string
	for _, r := range u.Resolvers() {
		got = append(got, strings.Join(strings.Fields(r.Describe()), " "))
	}
	want := []string{
		"198.51.100.201 stale.resolver.test. 4ms asks only ns3.nic.lab. (198.51.100.33) where it serves the zone",
		"198.51.100.202 sticky.resolver.test. 6ms raises TTLs to at least 86400 (cache-min-ttl)",
		"198.51.100.203 authonly.resolver.test. 3ms does not recurse (REFUSED, RA=0)",
		"198.51.100.204 validating.resolver.test. 5ms validates DNSSEC (AD when secure, SERVFAIL with an extended error when bogus)",
		"198.51.100.205 plain.resolver.test. 5ms an honest resolver that does not validate DNSSEC",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("resolvers:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if u.Server(netip.MustParseAddr("198.51.100.201")) != nil {
		t.Error("a resolver is listed as an authoritative server (the lab would start one)")
	}
	for _, bad := range []string{
		"resolver 192.0.2.9 r. ask-only=192.0.2.250",
		"resolver 192.0.2.9 r. min-ttl=forever",
		"resolver 192.0.2.9 r. recursion=maybe",
		"resolver 192.0.2.9 r. validate=maybe",
		"resolver 192.0.2.9 r. colour=blue",
		"resolver 192.0.2.1 r.",
	} {
		fsys := fstest.MapFS{
			"u/servers.conf":    {Data: []byte("server 192.0.2.1 a.root. zones=.\n" + bad + "\n")},
			"u/zones/root.zone": {Data: []byte(". 3600 SOA a.root. h.root. 1 7200 1800 1209600 300\n. 3600 NS a.root.\na.root. 3600 A 192.0.2.1\n")},
		}
		if _, err := sim.Load(fsys, "u"); err == nil {
			t.Errorf("%q loaded", bad)
		}
	}
}
