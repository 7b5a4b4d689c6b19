package diagnose

import (
	"fmt"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// The glue a parent gives for a name server in a sibling zone (a zone
// beside the delegated one, under the same parent) is the parent's copy
// of that zone's data. ddx check looks the name up (ReasonSiblingGlue)
// so that glue-mismatch can compare the copy with the sibling zone's own
// servers, as Zonemaster's CONSISTENCY05 does.

// siblingAuth gathers into auth the addresses of one family that the
// servers of name's own zone give for it in check's sibling-glue lookup,
// and returns that zone, the servers that answered and their queries.
// No server answered (a lookup never made, cut short, or failed): no
// servers.
func siblingAuth(t *trace.Trace, name string, qt uint16, auth map[string]bool) (string, []string, []int) {
	var owner string
	var who []string
	var evidence []int
	for _, l := range t.Lookups {
		if l.Reason != trace.ReasonSiblingGlue || l.Name != name || l.Type != dns.TypeToString[qt] {
			continue
		}
		for _, st := range t.Steps {
			if st.Lookup != l.ID {
				continue
			}
			for _, s := range st.Servers {
				for _, q := range queries(s, trace.PurposeResolve) {
					if q.Name != name || q.Type != l.Type || !authAnswer(q) {
						continue
					}
					owner = st.Zone
					who, evidence = append(who, s.Label()), append(evidence, q.ID)
					addAddrs(auth, q)
				}
			}
		}
	}
	return owner, who, evidence
}

// authAnswer reports whether a query got an answer that says what the
// name has: its records, none of the type, or no such name.
func authAnswer(q *trace.Query) bool {
	return q.OK() && (q.Class == trace.ClassAnswer || q.Class == trace.ClassNoData || q.Class == trace.ClassNXDomain)
}

// addAddrs adds the addresses an answer gives for name to set (at the
// end of an alias chain in the answer, too: ns-is-cname reports the alias).
func addAddrs(set map[string]bool, q *trace.Query) {
	for _, rr := range q.Reply.Answer {
		if a := rrAddr(rr); a != "" {
			set[a] = true
		}
	}
}

// whoSays names the servers a glue comparison rests on, for zone's
// finding: the zone's own, or a sibling zone's.
func (m mismatch) whoSays(zone string) string {
	if m.owner == "" || m.owner == zone {
		return fmt.Sprintf("the zone's own servers (%s)", list(m.who))
	}
	return fmt.Sprintf("the servers of %s, the zone %s is in (%s),", m.owner, m.host, list(m.who))
}
