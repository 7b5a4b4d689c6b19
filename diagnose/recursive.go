package diagnose

import (
	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

var ruleRecursiveNameserver = &Rule{
	ID: "recursive-nameserver", Severity: Warning,
	Title: "a listed server answers recursively",
	Doc: "A server listed for the zone answers from a cache (RA=1, AA=0) or resolves names it has no authority " +
		"over. It is lame for the zone and, if it answers anyone, an open resolver that can be abused for " +
		"amplification attacks. An ordinary BIND or Unbound with recursion open answers ddx's recursion probe " +
		"(a name under .invalid) with NXDOMAIN and RA=1: that counts too.",
	Fix:  "Make the server authoritative-only (recursion no) and serve the zone from it, or remove it from the NS set.",
	Refs: []string{"RFC 5358", "RFC 4697 §2.3"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			for _, s := range v.servers {
				evidence, q := recursionEvidence(s)
				if evidence == "" {
					continue
				}
				p.Report(Finding{
					Zone: v.zone, Servers: []string{s.Label()}, Queries: []int{q.ID},
					Summary:     s.Label() + " answers recursively",
					Explanation: evidence + " A server listed for " + v.zone + " should be authoritative; a recursive one is lame for the zone and, if it answers anyone, an open resolver that can be abused for amplification attacks.",
					Fix:         "Make " + s.Name + " authoritative-only (recursion no) and serve " + v.zone + " from it, or remove it from the NS set.",
				})
			}
		}
	},
}

// recursionEvidence is the first query that shows a server recursing: a
// recursive (RD=1) query for a name outside its zones answered with RA=1
// and without AA, NOERROR or NXDOMAIN alike (a resolver resolves the probe
// name, it does not refuse it), or a cache answer (RA=1, AA=0) to the
// zone's own questions.
func recursionEvidence(s *trace.Server) (string, *trace.Query) {
	for _, q := range s.Queries {
		if !q.OK() {
			continue
		}
		m := q.Reply
		switch q.Purpose {
		case trace.PurposeRecursion:
			if m.RecursionAvailable && !m.Authoritative && (m.Rcode == dns.RcodeSuccess || m.Rcode == dns.RcodeNameError) {
				return "Asked " + q.Name + " " + q.Type + " with RD=1, a name it has no authority over, it answered " + q.Rcode + " with RA=1 and no AA: it resolved the name for us.", q
			}
		case trace.PurposeSOA, trace.PurposeResolve:
			if isRecursive(q) {
				return said(s, q) + " with RA=1 and AA=0: it answers from a cache, not from the zone.", q
			}
		}
	}
	return "", nil
}
