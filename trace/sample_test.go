package trace

import (
	"fmt"
	"testing"

	"github.com/miekg/dns"
)

// A referral too large to keep whole keeps what a resolver acts on: the
// first names (sorted) up to the budget, their addresses in turn, the
// EDNS record; the rest is counted.
func TestTrimReplyKeepsWhatMatters(t *testing.T) {
	m := new(dns.Msg)
	m.SetQuestion("www.wide.test.", dns.TypeA)
	m.Response = true
	for i := 50; i >= 1; i-- { // reverse order: the kept names are sorted
		m.Ns = append(m.Ns, &dns.NS{Hdr: dns.RR_Header{Name: "wide.test.", Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: 3600}, Ns: fmt.Sprintf("ns%02d.wide.test.", i)})
		for j := 1; j <= 20; j++ {
			rr, _ := dns.NewRR(fmt.Sprintf("ns%02d.wide.test. 3600 A 10.1.%d.%d", i, i, j))
			m.Extra = append(m.Extra, rr)
		}
	}
	m.SetEdns0(1232, false)
	out, left := trimReply(m, m.Len(), replyKeep, replyKeep, 20)
	dropped, nsDropped := left.records, left.ns
	if out.Len() > replyKeep || nsDropped != 30 || out.IsEdns0() == nil {
		t.Fatalf("kept %d bytes, %d NS names dropped, EDNS %v", out.Len(), nsDropped, out.IsEdns0() != nil)
	}
	c := Classify("www.wide.test.", dns.TypeA, "test.", out)
	if c.Class != ClassReferral || len(c.NS) != 20 || c.NS[0] != "ns01.wide.test." || c.NS[19] != "ns20.wide.test." {
		t.Fatalf("classified %s with %d names %v", c.Class, len(c.NS), c.NS)
	}
	for _, n := range c.NS {
		if len(c.Glue[n]) < 3 {
			t.Errorf("%s: %d addresses kept, want at least 3 (round robin)", n, len(c.Glue[n]))
		}
	}
	if kept := len(out.Ns) + len(out.Extra) - 1; dropped != 50+1000-kept {
		t.Errorf("%d records dropped, %d kept, of 1050", dropped, kept)
	}
	if n := len(c.Glue["ns01.wide.test."]); left.glue["ns01.wide.test."] != 20-n {
		t.Errorf("ns01.wide.test.: %d addresses kept, %d counted as left out, of 20", n, left.glue["ns01.wide.test."])
	}
	// A small reply is kept as it is.
	small := new(dns.Msg)
	small.SetQuestion("www.example.", dns.TypeA)
	if got, left := trimReply(small, small.Len(), replyKeep, referralKeep, 20); got != small || left.records != 0 || left.ns != 0 {
		t.Errorf("a small reply was trimmed")
	}
}

// Once a run has kept runKeep bytes of replies, further ones keep less.
func TestKeepHasARunBudget(t *testing.T) {
	r := &run{cfg: Config{}.withDefaults()}
	m := new(dns.Msg)
	m.SetQuestion("www.big.test.", dns.TypeTXT)
	for i := 0; i < 200; i++ {
		m.Answer = append(m.Answer, &dns.TXT{Hdr: dns.RR_Header{Name: "www.big.test.", Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60}, Txt: []string{fmt.Sprintf("%03d %0200d", i, 0)}})
	}
	size := m.Len()
	first, _ := r.keep(m, size)
	r.kept = runKeep + 1
	lean, _ := r.keep(m, size)
	if first.Len() > replyKeep || first.Len() < replyKeep-300 || lean.Len() > replyKeepLean {
		t.Errorf("kept %d bytes, then %d once the run's budget was spent", first.Len(), lean.Len())
	}
}
