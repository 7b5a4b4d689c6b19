package sim

import (
	"strings"

	"github.com/miekg/dns"
)

// Faults of protocol conformance: servers that answer most queries well
// but mishandle some kinds (RFC 4074, ISC's EDNS compliance tests,
// Zonemaster NAMESERVER05/08-11). A server without them is conformant:
// it answers EDNS version 1 with BADVERS and version 0, ignores unknown
// EDNS options and flags, and copies the query name's case.
//
// A fault of one query type is named ACTION-TYPE, the type in lower case:
// drop-aaaa is silent to AAAA queries, refuse-mx answers them REFUSED,
// servfail-txt SERVFAIL, formerr-mx FORMERR (over UDP and TCP, any name).
const (
	FaultDropAAAA      = "drop-aaaa"      // never answers AAAA queries (UDP or TCP)
	FaultRefuseMX      = "refuse-mx"      // REFUSED to MX queries
	FaultNoBadVers     = "no-badvers"     // answers any EDNS version as if it were 0
	FaultEchoOption    = "echo-option"    // copies the query's EDNS options into the reply
	FaultEchoFlags     = "echo-flags"     // copies the query's unknown EDNS flags into the reply
	FaultDropOption    = "drop-option"    // silent to queries with an EDNS option
	FaultDropOptList   = "drop-optlist"   // silent to queries with more than one EDNS option (ISC's optlist)
	FaultCaseLower     = "case-lower"     // echoes the query name in lower case
	FaultCaseSensitive = "case-sensitive" // NXDOMAIN for a name with upper-case letters
	FaultCaseDrop      = "case-drop"      // silent to a name with upper-case letters
)

// typeFaultRcodes are the actions of a fault of one query type that
// answer, with the rcode they answer.
var typeFaultRcodes = []struct {
	action string
	rcode  int
}{{"refuse", dns.RcodeRefused}, {"servfail", dns.RcodeServerFailure}, {"formerr", dns.RcodeFormatError}}

// typeFault says what a server's faults of one query type do to a query
// of qtype: drop it, or answer it with rcode (0: neither).
func (s *Server) typeFault(qtype uint16) (drop bool, rcode int) {
	t, ok := dns.TypeToString[qtype]
	if !ok {
		return false, 0
	}
	t = strings.ToLower(t)
	if s.Faults["drop-"+t] {
		return true, 0
	}
	for _, a := range typeFaultRcodes {
		if s.Faults[a.action+"-"+t] {
			return false, a.rcode
		}
	}
	return false, 0
}

// DropsConformance reports whether a server with conformance faults
// stays silent to m. The lab's fault proxy asks it too.
func (s *Server) DropsConformance(m *dns.Msg) bool {
	if len(m.Question) == 1 {
		if drop, _ := s.typeFault(m.Question[0].Qtype); drop {
			return true
		}
	}
	if opt := m.IsEdns0(); opt != nil && (len(opt.Option) > 0 && s.Faults[FaultDropOption] || len(opt.Option) > 1 && s.Faults[FaultDropOptList]) {
		return true
	}
	return len(m.Question) == 1 && s.Faults[FaultCaseDrop] && m.Question[0].Name != strings.ToLower(m.Question[0].Name)
}

// Conform finishes the reply r to m the way an EDNS-compliant server
// does, then applies the server's conformance faults. It runs once the
// reply has its OPT record. The lab's fault proxy runs it on the replies
// of BIND and NSD, which are compliant already (it sends them version 0
// for a server with no-badvers).
func (s *Server) Conform(m, r *dns.Msg) {
	if len(m.Question) != 1 || r.Rcode == dns.RcodeFormatError {
		return
	}
	q := m.Question[0]
	opt, ropt := m.IsEdns0(), r.IsEdns0()
	if opt != nil && ropt != nil {
		if opt.Version() != 0 && !s.Faults[FaultNoBadVers] {
			// RFC 6891 §6.1.3: BADVERS, with the highest version the
			// server implements, and nothing else.
			r.Rcode = dns.RcodeBadVers
			r.Authoritative = false
			r.Answer, r.Ns, r.Extra = nil, nil, []dns.RR{ropt}
		}
		if s.Faults[FaultEchoOption] {
			ropt.Option = append(ropt.Option, opt.Option...)
		}
		if s.Faults[FaultEchoFlags] {
			ropt.SetZ(opt.Z())
		}
	}
	if _, rc := s.typeFault(q.Qtype); rc != 0 {
		r.Rcode = rc
		r.Authoritative = false
		r.Answer, r.Ns = nil, nil
	}
	if s.Faults[FaultCaseSensitive] && q.Name != strings.ToLower(q.Name) && r.Rcode == dns.RcodeSuccess {
		r.Rcode = dns.RcodeNameError
		r.Answer = nil
	}
	if s.Faults[FaultCaseLower] && len(r.Question) == 1 {
		r.Question[0].Name = strings.ToLower(r.Question[0].Name)
	}
}
