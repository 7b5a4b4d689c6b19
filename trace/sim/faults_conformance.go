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
const (
	FaultDropAAAA      = "drop-aaaa"      // never answers AAAA queries (UDP or TCP)
	FaultRefuseMX      = "refuse-mx"      // REFUSED to MX queries
	FaultNoBadVers     = "no-badvers"     // answers any EDNS version as if it were 0
	FaultEchoOption    = "echo-option"    // copies the query's EDNS options into the reply
	FaultEchoFlags     = "echo-flags"     // copies the query's unknown EDNS flags into the reply
	FaultDropOption    = "drop-option"    // silent to queries with an EDNS option
	FaultCaseLower     = "case-lower"     // echoes the query name in lower case
	FaultCaseSensitive = "case-sensitive" // NXDOMAIN for a name with upper-case letters
	FaultCaseDrop      = "case-drop"      // silent to a name with upper-case letters
)

// dropsConformance reports whether a server with conformance faults
// stays silent to m.
func (s *Server) dropsConformance(m *dns.Msg) bool {
	if len(m.Question) == 1 && m.Question[0].Qtype == dns.TypeAAAA && s.Faults[FaultDropAAAA] {
		return true
	}
	if opt := m.IsEdns0(); opt != nil && len(opt.Option) > 0 && s.Faults[FaultDropOption] {
		return true
	}
	return len(m.Question) == 1 && s.Faults[FaultCaseDrop] && m.Question[0].Name != strings.ToLower(m.Question[0].Name)
}

// conform finishes the reply r to m the way an EDNS-compliant server
// does, then applies the server's conformance faults. It runs once the
// reply has its OPT record.
func (s *Server) conform(m, r *dns.Msg) {
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
	if s.Faults[FaultRefuseMX] && q.Qtype == dns.TypeMX {
		r.Rcode = dns.RcodeRefused
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
