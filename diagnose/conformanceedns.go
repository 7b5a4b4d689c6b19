package diagnose

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// The EDNS compliance tests of `ddx check`, as ISC's tests (the tests
// behind the 2019 DNS flag day) and Zonemaster NAMESERVER10/11 run them:
// the apex SOA with EDNS version 1 must get BADVERS with version 0 and no
// answer; with an unknown option or an unknown flag it must be answered
// as without them (NOERROR, the SOA, AA, an OPT record of version 0),
// and the option or flag must not come back; with the known options of
// ISC's optlist test together, the same answer (the server may add
// options of its own) or BADCOOKIE with its cookie. They count only for a
// server that answers the plain EDNS query well: one that does not has
// its own finding.

// ednsTest is one compliance test: the probe that runs it and its names.
type ednsTest struct {
	purpose trace.Purpose
	name    string // ISC's test name
	what    string // what the probe sent, for explanations
}

var ednsTests = []ednsTest{
	{trace.PurposeEDNS1, "edns1 (Zonemaster NAMESERVER10)", "with EDNS version 1"},
	{trace.PurposeEDNSOption, "ednsopt (Zonemaster NAMESERVER11)", fmt.Sprintf("with an unknown EDNS option (code %d)", trace.UnknownEDNSOption)},
	{trace.PurposeEDNSFlags, "ednsflags", fmt.Sprintf("with an unknown EDNS flag (%#04x)", trace.UnknownEDNSFlag)},
	{trace.PurposeEDNSOptList, "optlist", "with the NSID, client subnet, EXPIRE and COOKIE options together"},
}

// isEDNSProbe reports whether a query is one of the compliance probes,
// which the basic EDNS check leaves to ednsCompliance.
func isEDNSProbe(q *trace.Query) bool {
	return q.Purpose == trace.PurposeEDNS1 || q.Purpose == trace.PurposeEDNSOption || q.Purpose == trace.PurposeEDNSFlags || q.Purpose == trace.PurposeEDNSOptList
}

// ednsCompliance runs the compliance tests on a server's probes and says
// which failed, with the evidence, and the queries that show it.
func ednsCompliance(s *trace.Server, zone string) ([]string, []int) {
	soa := first(s, trace.PurposeSOA)
	if soa == nil || !soa.OK() || soa.Reply.Rcode != dns.RcodeSuccess || !soa.Reply.Authoritative {
		return nil, nil
	}
	if opt := soa.Reply.IsEdns0(); opt == nil || opt.Version() != 0 || !hasSOA(soa.Reply, zone) {
		return nil, nil
	}
	var failed []string
	var ids []int
	for _, t := range ednsTests {
		q := first(s, t.purpose)
		if q == nil {
			continue
		}
		problem := ednsTestProblem(t, q, zone)
		if problem == "" {
			continue
		}
		failed = append(failed, fmt.Sprintf("The %s test failed: asked SOA %s %s (query %d), %s.", t.name, q.Name, t.what, q.ID, problem))
		ids = append(ids, q.ID)
	}
	if len(failed) > 0 {
		ids = append(ids, soa.ID)
	}
	return failed, ids
}

// ednsTestProblem says how one probe fails its test, or "".
func ednsTestProblem(t ednsTest, q *trace.Query, zone string) string {
	if !q.OK() {
		switch q.ErrorKind {
		case trace.ErrKindTimeout:
			return fmt.Sprintf("it stayed silent (%d tries), while it answers the same query without them", len(q.Attempts))
		case trace.ErrKindInvalid, trace.ErrKindIDMismatch:
			return "its reply was invalid: " + trace.Sanitize(q.Error)
		}
		return "" // not waited for, or unreachable: no evidence
	}
	m := q.Reply
	opt := m.IsEdns0()
	var bad []string
	if t.purpose == trace.PurposeEDNS1 {
		switch {
		case m.Rcode == dns.RcodeSuccess && hasSOA(m, zone):
			return "it answered NOERROR with the SOA, as if version 1 were version 0, instead of BADVERS: a resolver can never learn which version it speaks"
		case m.Rcode != dns.RcodeBadVers:
			return fmt.Sprintf("it answered %s instead of BADVERS", q.Rcode)
		case opt == nil:
			return "it answered BADVERS without an OPT record (the OPT record carries the version it speaks)"
		}
		if opt.Version() != 0 {
			bad = append(bad, fmt.Sprintf("BADVERS with version %d instead of 0", opt.Version()))
		}
		if len(m.Answer) > 0 {
			bad = append(bad, "BADVERS with records in the answer section")
		}
		return strings.Join(bad, ", and ")
	}
	if t.purpose == trace.PurposeEDNSOptList {
		// Known options: the server may answer with its own NSID,
		// cookie, EXPIRE or subnet, or BADCOOKIE with its server cookie.
		if m.Rcode == dns.RcodeBadCookie && opt != nil && slices.ContainsFunc(opt.Option, func(o dns.EDNS0) bool { return o.Option() == dns.EDNS0COOKIE }) {
			return ""
		}
		if m.Rcode != dns.RcodeSuccess {
			return fmt.Sprintf("it answered %s instead of NOERROR (or BADCOOKIE with its cookie): options it does not implement must be ignored", q.Rcode)
		}
	} else if m.Rcode != dns.RcodeSuccess {
		return fmt.Sprintf("it answered %s instead of NOERROR: an unknown %s must be ignored", q.Rcode, strings.TrimPrefix(t.what, "with an unknown "))
	}
	switch {
	case opt == nil:
		bad = append(bad, "it answered without an OPT record")
	case opt.Version() != 0:
		bad = append(bad, fmt.Sprintf("it answered with EDNS version %d", opt.Version()))
	}
	if !hasSOA(m, zone) {
		bad = append(bad, "its answer section held no SOA")
	}
	if !m.Authoritative {
		bad = append(bad, "it cleared the AA bit")
	}
	if opt != nil {
		if t.purpose == trace.PurposeEDNSOption && slices.ContainsFunc(opt.Option, func(o dns.EDNS0) bool { return o.Option() == trace.UnknownEDNSOption }) {
			bad = append(bad, fmt.Sprintf("it echoed option %d back", trace.UnknownEDNSOption))
		}
		if t.purpose == trace.PurposeEDNSFlags && opt.Z() != 0 {
			bad = append(bad, fmt.Sprintf("it echoed the flag back (flags %#04x in its OPT record)", opt.Z()))
		}
	}
	if len(bad) == 0 {
		return ""
	}
	return list(bad)
}

// hasSOA reports whether a reply's answer holds the zone's SOA.
func hasSOA(m *dns.Msg, zone string) bool {
	for _, rr := range m.Answer {
		if rr.Header().Rrtype == dns.TypeSOA && strings.EqualFold(rr.Header().Name, zone) {
			return true
		}
	}
	return false
}
