package sim_test

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ddxdns/ddx"
	"github.com/ddxdns/ddx/trace"
	"github.com/ddxdns/ddx/trace/sim"
	"github.com/miekg/dns"
)

func demo(t testing.TB) *sim.Universe {
	t.Helper()
	u, err := sim.Load(ddx.Universe, ddx.UniverseDir)
	if err != nil {
		t.Fatal(err)
	}
	return u
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
