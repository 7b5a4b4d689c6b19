package diagnose

import (
	"fmt"

	"github.com/ddxdns/ddx/trace"
)

var ruleServerTimeout = &Rule{
	ID: "server-timeout", Severity: Warning,
	Title: "a server address does not answer",
	Doc: "A server address sent nothing back over UDP within the timeout, after every try. Resolvers wait for it, " +
		"then try another server: every lookup that picks it is slower, and if the others fail too the zone fails. " +
		"A query that ddx stopped waiting for itself (a budget, the straggler cut, a cancel) is never this finding, " +
		"and neither is a server that answered other questions (lost packets, not a dead server).",
	Fix:  "Check that the server runs, listens on port 53 (UDP and TCP), and that no firewall drops queries; or remove it from the NS set and the delegation.",
	Refs: []string{"RFC 1034 §4.3.2", "RFC 2182 §3"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			stale := staleGlue(p, v)
			for _, s := range v.servers {
				if stale[s.Address] {
					continue // glue-mismatch says what the old address did
				}
				if udpWorks(s) {
					continue // a server that answers other questions is alive: lost packets
				}
				q := failedWith(s, trace.ErrKindTimeout)
				if q == nil {
					continue // nothing timed out: ddx stopped waiting itself, or other errors
				}
				p.Report(Finding{
					Zone: v.zone, Servers: []string{s.Label()}, Queries: []int{q.ID},
					Summary:     s.Label() + " does not answer",
					Explanation: fmt.Sprintf("Asked %s %s over UDP (%d %s), %s sent nothing back: %s.%s Resolvers wait for it, then try another server: every lookup that picks it is slower, and if the others fail too the zone fails.", q.Name, q.Type, len(q.Attempts), pluralWord(len(q.Attempts), "try", "tries"), s.Label(), trace.Sanitize(q.Error), overTCP(s)),
					Fix:         "Check that the server runs, listens on " + s.Address + " port 53 (UDP and TCP), and that no firewall drops queries; or remove it from the NS set and the delegation.",
				})
			}
		}
	},
}

// overTCP says whether the server answered the TCP probe, when there was one.
func overTCP(s *trace.Server) string {
	q := first(s, trace.PurposeTCP)
	switch {
	case q == nil:
		return ""
	case q.OK():
		return " Over TCP it answered (" + q.Rcode + "): UDP is filtered or dropped on the way."
	}
	return " Over TCP it did not answer either."
}

var ruleServerUnreachable = &Rule{
	ID: "server-unreachable", Severity: Warning,
	Title: "the network refuses queries to a server address",
	Doc: "Querying a server address failed at once: ICMP port or host unreachable, connection refused, no route. " +
		"Nothing answers DNS at that address.",
	Fix:  "Start the name server on that address, fix the route, or remove the address from the zone and the glue.",
	Refs: []string{"RFC 1122 §3.2.2.1"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			stale := staleGlue(p, v)
			for _, s := range v.servers {
				if stale[s.Address] {
					continue // glue-mismatch says what the old address did
				}
				q := failedWith(s, trace.ErrKindUnreachable)
				if q == nil || udpWorks(s) {
					continue
				}
				p.Report(Finding{
					Zone: v.zone, Servers: []string{s.Label()}, Queries: []int{q.ID},
					Summary:     s.Label() + " is unreachable",
					Explanation: fmt.Sprintf("Querying %s failed at once: %s. Nothing answers DNS at that address.", s.Label(), trace.Sanitize(q.Error)),
					Fix:         "Start the name server on " + s.Address + ", fix the route, or remove the address from the zone and the glue.",
				})
			}
		}
	},
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// failedWith is the server's first query that failed with kind: the query
// being traced if it did, else a survey question. The traced query may
// have been abandoned once the zone's other servers answered (the
// straggler cut) while the survey questions, which are never cut, show
// what the server does.
func failedWith(s *trace.Server, kind trace.ErrorKind) *trace.Query {
	if q := first(s, trace.PurposeResolve); q != nil && !q.OK() && q.ErrorKind == kind {
		return q
	}
	for _, q := range s.Queries {
		if !q.OK() && q.ErrorKind == kind && q.Purpose != trace.PurposeTCP && q.Purpose != trace.PurposeAXFR {
			return q
		}
	}
	return nil
}
