package diagnose

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

var ruleParentServersDisagree = &Rule{
	ID: "parent-servers-disagree", Severity: Error,
	Title: "servers of the parent zone disagree about a delegation",
	Doc: "Some servers of the parent zone refer resolvers to the child zone while others answer NXDOMAIN or NODATA. " +
		"A resolver that asks the first group follows the referral, one that asks the other gets no such name, so the name " +
		"works for some people and not others, and caches make it change over time. This is what a lagging or stale " +
		"parent server looks like: a zone was deleted or moved and one server still serves the old copy.",
	Fix:  "Find the parent server that serves an old copy of the parent zone (compare SOA serials) and fix its zone transfers; if the delegation should exist, make every parent server serve it.",
	Refs: []string{"RFC 1034 §4.3.2", "RFC 4697 §2.2"},
	Run: func(p *Pass) {
		for _, st := range p.Trace.Steps {
			child, parts, servers := branchParts(st)
			if child == "" {
				continue
			}
			p.Report(Finding{
				Zone: child, Servers: servers, Steps: []int{st.ID},
				Summary: fmt.Sprintf("the servers of %s disagree about %s", st.Zone, child),
				Explanation: fmt.Sprintf("Asked %s %s, %s. A resolver that asks the first group gets one answer, one that asks the other gets another, so the name works for some people and not others, and caches make it change over time. This is what a lagging or stale server of the parent zone looks like (a zone that was deleted or moved, and one server still serves the old copy).",
					st.Name, st.Type, strings.Join(parts, "; ")),
				Fix: "Find the parent server that serves an old copy of " + st.Zone + " (compare SOA serials) and fix its zone transfers; if the delegation should exist, make every parent server serve it.",
			})
		}
	},
}

var ruleAnswerInconsistent = &Rule{
	ID: "answer-inconsistent", Severity: Warning,
	Title: "servers of one zone give different answers",
	Doc: "The servers of one zone answer the same question differently (another rcode, other records). Resolvers pick " +
		"servers at random, so users get different answers depending on which server their resolver asked last.",
	Fix:  "Make every server of the zone serve the same zone data: check zone transfers (NOTIFY, serials) or the provisioning that writes the zone.",
	Refs: []string{"RFC 1034 §4.3.5", "RFC 2181 §5"},
	Run: func(p *Pass) {
		// One finding per zone, however many questions its servers
		// disagree on: the cause (copies of the zone that differ) is one.
		for _, v := range p.zones {
			var parts, servers, questions []string
			var steps []int
			for _, st := range v.steps {
				if st.Qtype == dns.TypeSOA && strings.EqualFold(st.Name, st.Zone) {
					continue // apex SOAs that differ are soa-serial-mismatch's or soa-fields-mismatch's
				}
				child, ps, ss := branchParts(st)
				if len(ps) < 2 || child != "" {
					continue
				}
				questions = append(questions, st.Name+" "+st.Type)
				parts = append(parts, "asked "+st.Name+" "+st.Type+", "+strings.Join(ps, "; "))
				for _, s := range ss {
					if !slices.Contains(servers, s) {
						servers = append(servers, s)
					}
				}
				steps = append(steps, st.ID)
			}
			if len(parts) == 0 {
				continue
			}
			p.Report(Finding{
				Zone: v.zone, Servers: servers, Steps: steps,
				Summary:     fmt.Sprintf("the servers of %s give different answers to %s", v.zone, list(questions)),
				Explanation: fmt.Sprintf("%s. Resolvers pick servers at random, so users get different answers depending on which server their resolver asked last.", upperFirst(strings.Join(parts, ". "))),
				Fix:         "Make every server of " + v.zone + " serve the same zone data: check zone transfers (NOTIFY, serials) or the provisioning that writes the zone.",
			})
		}
	},
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// branchParts describes the distinct results of a step that branched: the
// child zone when one of them is a referral, one phrase per result, and
// every server involved. Steps with one result give nothing.
func branchParts(st *trace.Step) (child string, parts, servers []string) {
	if len(st.Results) < 2 {
		return "", nil, nil
	}
	for _, r := range st.Results {
		what := strings.ToUpper(string(r.Kind))
		switch r.Kind {
		case trace.KindReferral:
			what = "a referral to " + r.Zone + " (NS " + strings.Join(r.NS, " ") + ")"
			child = r.Zone
		case trace.KindAnswer:
			what = "the answer " + strings.Join(rdata(resultRecords(st, r)), ", ")
		case trace.KindCNAME:
			what = "an alias to " + r.Target
		}
		parts = append(parts, list(r.Servers)+" gave "+what)
		servers = append(servers, r.Servers...)
	}
	return child, parts, servers
}
