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
		if t.Query.Qtype != dns.TypeSOA {
			return
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
				Explanation: fmt.Sprintf("Every server of %s (%s) answered %s to SOA %s instead of referring to the zone's servers, so no resolver can find them.", st.Zone, list(servers), strings.ToUpper(string(st.Results[0].Kind)), t.Query.Name),
				Fix:         "Register the zone (or restore the delegation) with the operator of " + st.Zone + ", giving its NS records and glue.",
			})
			return
		}
	},
}
