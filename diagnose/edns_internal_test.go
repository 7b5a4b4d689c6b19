package diagnose

import (
	"testing"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// TestEDNSProblemReadsTheAnsweredAttempt: "answered without an OPT
// record" is said of a reply to a query with EDNS, never of the reply to
// the retry without EDNS that followed silent EDNS tries, when the
// confirming EDNS try was cut short (seen in the lab: the straggler cut
// abandoned it after 2 ms, so nothing was confirmed).
func TestEDNSProblemReadsTheAnsweredAttempt(t *testing.T) {
	answered := func(attempts ...*trace.Attempt) *trace.Query {
		return &trace.Query{Name: "noedns.test.", Type: "SOA", Rcode: "NOERROR", Class: trace.ClassAnswer, Reply: new(dns.Msg), Attempts: attempts}
	}
	unconfirmed := answered(
		&trace.Attempt{Try: 1, EDNS: true, ErrorKind: trace.ErrKindAbandoned},
		&trace.Attempt{Try: 2, Rcode: "NOERROR"},
		&trace.Attempt{Try: 3, EDNS: true, ErrorKind: trace.ErrKindAbandoned},
	)
	if sev, why := ednsProblem(unconfirmed); why != "" {
		t.Errorf("silent EDNS tries, unconfirmed: %v %q, want nothing", sev, why)
	}
	noOPT := answered(&trace.Attempt{Try: 1, EDNS: true, Rcode: "NOERROR"})
	if sev, why := ednsProblem(noOPT); sev != Warning || why == "" {
		t.Errorf("an EDNS query answered without OPT: %v %q, want a warning", sev, why)
	}
}

// TestOptListAcceptsServerOptions: ISC's optlist test passes when the
// server answers with options of its own (BIND sends its server cookie)
// or with BADCOOKIE and its cookie; BADCOOKIE without a cookie, or
// FORMERR, fails it.
func TestOptListAcceptsServerOptions(t *testing.T) {
	optlist := ednsTests[len(ednsTests)-1]
	if optlist.purpose != trace.PurposeEDNSOptList {
		t.Fatalf("last test is %s", optlist.purpose)
	}
	reply := func(rcode int, aa bool, cookie bool) *trace.Query {
		m := new(dns.Msg)
		m.SetQuestion("optlist.test.", dns.TypeSOA)
		m.Response, m.Authoritative, m.Rcode = true, aa, rcode
		if rcode == dns.RcodeSuccess {
			soa, _ := dns.NewRR("optlist.test. 3600 IN SOA ns1.optlist.test. hostmaster.optlist.test. 1 7200 1800 1209600 3600")
			m.Answer = append(m.Answer, soa)
		}
		m.SetEdns0(1232, false)
		if cookie {
			m.IsEdns0().Option = append(m.IsEdns0().Option, &dns.EDNS0_COOKIE{Code: dns.EDNS0COOKIE, Cookie: "0102030405060708aabbccddeeff0011"})
		}
		return &trace.Query{Purpose: trace.PurposeEDNSOptList, Name: "optlist.test.", Type: "SOA", Rcode: dns.RcodeToString[rcode], Reply: m}
	}
	for _, c := range []struct {
		q    *trace.Query
		fail bool
	}{
		{reply(dns.RcodeSuccess, true, true), false},
		{reply(dns.RcodeSuccess, true, false), false},
		{reply(dns.RcodeBadCookie, false, true), false},
		{reply(dns.RcodeBadCookie, false, false), true},
		{reply(dns.RcodeFormatError, false, false), true},
		{reply(dns.RcodeSuccess, false, true), true}, // AA cleared
	} {
		if got := ednsTestProblem(optlist, c.q, "optlist.test."); (got != "") != c.fail {
			t.Errorf("rcode %s, aa %v, options %v: problem %q, want failure %v", c.q.Rcode, c.q.Reply.Authoritative, c.q.Reply.IsEdns0().Option, got, c.fail)
		}
	}
}
