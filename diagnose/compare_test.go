package diagnose_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

func reply(addr, rcode string, ra bool, ttl uint32, at time.Time) *trace.ResolverReply {
	r := &trace.ResolverReply{Address: addr, Rcode: rcode, RA: ra, At: at}
	if ttl > 0 {
		r.Answers = []trace.RR{{Name: "www.healthy.test.", Type: "A", TTL: ttl, Data: "192.0.2.80"}}
	}
	return r
}

func TestCompareFindings(t *testing.T) {
	t.Parallel()
	rep := report(t, "www.healthy.test", dns.TypeA, false)
	now := time.Now()
	q := trace.Question{Name: "www.healthy.test.", Type: "A", Qtype: dns.TypeA}
	cases := []struct {
		name string
		c    *diagnose.Comparison
		want []string
		not  []string
	}{
		{"agree", &diagnose.Comparison{Query: q, Trace: rep, Resolvers: []*trace.ResolverReply{
			reply("a", "NOERROR", true, 3600, now), reply("b", "NOERROR", true, 1200, now)}}, nil,
			[]string{"resolver-outcome-split", "ttl-not-honoured", "resolver-no-recursion"}},
		{"split", &diagnose.Comparison{Query: q, Trace: rep, Resolvers: []*trace.ResolverReply{
			reply("a", "NOERROR", true, 3600, now), reply("b", "SERVFAIL", true, 0, now)}}, []string{"resolver-outcome-split"}, nil},
		{"stretched", &diagnose.Comparison{Query: q, Trace: rep, Resolvers: []*trace.ResolverReply{
			reply("a", "NOERROR", true, 7200, now)}}, []string{"ttl-not-honoured"}, nil},
		{"refused by a resolver", &diagnose.Comparison{Query: q, Trace: rep, Resolvers: []*trace.ResolverReply{
			reply("a", "NOERROR", true, 3600, now), reply("b", "REFUSED", true, 0, now)}}, []string{"resolver-outcome-split", "b refused: it does not serve this client"}, []string{"resolver-answer-not-authoritative"}},
		{"no recursion", &diagnose.Comparison{Query: q, Trace: rep, Resolvers: []*trace.ResolverReply{
			reply("a", "REFUSED", false, 0, now)}}, []string{"resolver-no-recursion"}, nil},
		{"ttl stuck across rounds", &diagnose.Comparison{Query: q, Trace: rep,
			Resolvers: []*trace.ResolverReply{reply("a", "NOERROR", true, 300, now.Add(5*time.Second))},
			Rounds:    [][]*trace.ResolverReply{{reply("a", "NOERROR", true, 300, now)}, {reply("a", "NOERROR", true, 300, now.Add(5*time.Second))}}},
			[]string{"ttl-not-honoured"}, nil},
	}
	for _, c := range cases {
		got := diagnose.Compare(c.c)
		var ids []string
		for _, f := range got {
			ids = append(ids, f.ID, f.Explanation)
		}
		all := strings.Join(ids, " ")
		for _, w := range c.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: no %s in %v", c.name, w, ids)
			}
		}
		for _, w := range c.not {
			if strings.Contains(all, w) {
				t.Errorf("%s: unexpected %s", c.name, w)
			}
		}
	}
}

// The demo's validating and plain resolvers, asked about a bogus, a
// secure and an unsigned zone: the split is blamed on DNSSEC exactly when
// the chain is bogus and they disagree.
func TestResolverOutcomeSplit(t *testing.T) { runFixtures(t, "resolver-outcome-split") }

// A validating resolver says SERVFAIL and another answers: when the chain
// is bogus, the split is blamed on the DNSSEC finding.
func TestSplitNamesTheDNSSECCause(t *testing.T) {
	t.Parallel()
	rep := report(t, "www.dsmismatch.test", dns.TypeA, false)
	if rep.Security != "bogus" {
		t.Fatalf("security %q", rep.Security)
	}
	q := trace.Question{Name: "www.dsmismatch.test.", Type: "A", Qtype: dns.TypeA}
	ok := &trace.ResolverReply{Address: "192.0.2.200:53", Rcode: "NOERROR", RA: true, Answers: []trace.RR{{Name: "www.dsmismatch.test.", Type: "A", TTL: 3600, Data: "192.0.2.80"}}}
	sf := &trace.ResolverReply{Address: "192.0.2.201:53", Rcode: "SERVFAIL", RA: true}
	c := &diagnose.Comparison{Query: q, Resolvers: []*trace.ResolverReply{ok, sf}, Trace: rep}
	var split string
	for _, f := range diagnose.Compare(c) {
		if f.ID == "resolver-outcome-split" {
			split = f.Explanation
		}
	}
	if !strings.Contains(split, "ds-mismatch") || !strings.Contains(split, "192.0.2.201:53") ||
		!strings.Contains(split, "it sent no extended error (a validator without RFC 8914 support would send 9 (DNSKEY Missing))") {
		t.Errorf("the split does not name the DNSSEC cause:\n%s", split)
	}
	// An extended error that is not the finding's is pointed out.
	sf.EDE = []trace.EDE{{Code: 22, Name: "No Reachable Authority"}}
	split = ""
	for _, f := range diagnose.Compare(c) {
		if f.ID == "resolver-outcome-split" {
			split = f.Explanation
		}
	}
	if !strings.Contains(split, "it reported 22 (No Reachable Authority), not the 9 (DNSKEY Missing) that ds-mismatch causes") {
		t.Errorf("a foreign extended error is not pointed out:\n%s", split)
	}
}
