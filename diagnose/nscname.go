package diagnose

import (
	"fmt"
	"strings"

	"github.com/ddxdns/ddx/trace"
)

var ruleNSIsCNAME = &Rule{
	ID: "ns-is-cname", Severity: Error,
	Title: "a name server's name is an alias",
	Doc: "An NS record names an alias (CNAME). NS records must name the server's canonical name: some resolvers " +
		"refuse to follow an alias there and treat the server as unreachable, and BIND refuses to load such a zone.",
	Fix:  "Put the canonical name in the NS records of the zone and of its parent.",
	Refs: []string{"RFC 2181 §10.3", "RFC 1912 §2.4"},
	Run: func(p *Pass) {
		t := p.Trace
		seen := map[string]bool{}
		for _, l := range t.Lookups {
			if l.Reason != trace.ReasonNSAddr || seen[l.Name] {
				continue
			}
			for _, st := range t.Steps {
				if st.Lookup != l.ID {
					continue
				}
				for _, r := range st.Results {
					if r.Kind != trace.KindCNAME && !(r.Kind == trace.KindAnswer && hasCNAME(r.Records)) {
						continue
					}
					seen[l.Name] = true
					zone := ""
					if from := t.StepByID(l.FromStep); from != nil {
						zone = from.Zone
					}
					p.Report(Finding{
						Zone: zone, Servers: append([]string{l.Name}, r.Servers...), Steps: []int{st.ID},
						Summary:     fmt.Sprintf("name server %s of %s is an alias", l.Name, zone),
						Explanation: fmt.Sprintf("%s said %s is a CNAME for %s. NS records must name the server's canonical name: some resolvers refuse to follow an alias here and treat the server as unreachable, and BIND refuses to load such a zone.", list(r.Servers), l.Name, cnameTarget(r)),
						Fix:         "Put the canonical name (" + cnameTarget(r) + ") in the NS records of " + zone + " and of its parent.",
					})
				}
			}
		}
	},
}

func hasCNAME(recs []string) bool {
	for _, r := range recs {
		if f := strings.Fields(r); len(f) >= 4 && f[3] == "CNAME" {
			return true
		}
	}
	return false
}

func cnameTarget(r *trace.Result) string {
	if r.Target != "" {
		return r.Target
	}
	for _, rec := range r.Records {
		if f := strings.Fields(rec); len(f) >= 5 && f[3] == "CNAME" {
			return f[4]
		}
	}
	return "?"
}
