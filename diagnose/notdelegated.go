package diagnose

import (
	"fmt"
	"strings"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

var ruleNotDelegated = &Rule{
	ID: "not-delegated", Severity: Critical,
	Title: "no parent server delegates the zone",
	Doc: "A health check of a zone found that every server of the parent zone answers NXDOMAIN or NODATA for it " +
		"instead of referring to the zone's servers, so no resolver can find them.",
	Fix:  "Register the zone (or restore the delegation) with the operator of the parent zone, giving its NS records and glue.",
	Refs: []string{"RFC 1034 §4.2.2"},
	Run: func(p *Pass) {
		t := p.Trace
		if t.Query.Qtype != dns.TypeSOA || !t.Config.Probes {
			return // only a health check (ddx check) says the name is meant to be a zone
		}
		for _, st := range t.Steps {
			if st.Lookup != 0 || st.Zone == t.Query.Name || len(st.Results) == 0 {
				continue
			}
			all := true
			var servers []string
			for _, r := range st.Results {
				if r.Kind != trace.KindNXDomain && r.Kind != trace.KindNoData {
					all = false
				}
				servers = append(servers, r.Servers...)
			}
			if !all {
				continue
			}
			p.Report(Finding{
				Zone: t.Query.Name, Servers: servers, Steps: []int{st.ID},
				Summary:     t.Query.Name + " is not delegated",
				Explanation: fmt.Sprintf("Every server of %s (%s) answered %s to SOA %s instead of referring to the zone's servers, so no resolver can find them.%s", st.Zone, list(servers), strings.ToUpper(string(st.Results[0].Kind)), t.Query.Name, whatItIs(st)),
				Fix:         "Register the zone (or restore the delegation) with the operator of " + st.Zone + ", giving its NS records and glue.",
			})
			return
		}
	},
}

// whatItIs says what the name is in the parent zone when it is not a zone:
// an alias, or a host (a name with records but no delegation).
func whatItIs(st *trace.Step) string {
	for _, s := range st.Servers {
		q := first(s, trace.PurposeResolve)
		if q == nil || !q.OK() {
			continue
		}
		for _, rr := range q.Reply.Answer {
			switch rr := rr.(type) {
			case *dns.CNAME:
				return " In " + st.Zone + " the name is an alias (CNAME) for " + rr.Target + ": an alias cannot be a zone."
			case *dns.DNAME:
				return " In " + st.Zone + " the name is under a DNAME to " + rr.Target + ": it cannot be a zone of its own."
			}
		}
		if q.Class == trace.ClassNoData {
			return " The name exists inside " + st.Zone + " (a host, or a name with other records), but it is not delegated as a zone of its own."
		}
	}
	return ""
}
