package diagnose

import (
	"fmt"
	"strings"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

var ruleMXInvalid = &Rule{
	ID: "mx-invalid", Severity: Error,
	Title: "the MX set cannot work as written",
	Doc: "A null MX (MX 0 ., RFC 7505: this domain takes no mail) stands beside other MX records, or has a " +
		"preference other than 0, or an MX target inside the zone has no address. Senders either give up on the " +
		"domain or queue mail for an exchanger they cannot reach. In a zone file (ddx lint) an in-zone target with no " +
		"address in the file counts.",
	Fix:  "Either publish only MX 0 . (no mail), or only real exchangers, each with an A or AAAA record.",
	Refs: []string{"RFC 7505", "RFC 5321 §5.1", "RFC 2181 §10.3"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			for _, s := range v.servers {
				q := first(s, trace.PurposeMX)
				if q == nil || !q.OK() || q.Class != trace.ClassAnswer {
					continue
				}
				var mxs []*dns.MX
				for _, rr := range q.Reply.Answer {
					if mx, ok := rr.(*dns.MX); ok && strings.EqualFold(mx.Hdr.Name, v.zone) {
						mxs = append(mxs, mx)
					}
				}
				if why := nullMXProblem(mxs); why != "" {
					p.Report(Finding{
						Zone: v.zone, Servers: []string{s.Label()}, Queries: []int{q.ID},
						Summary:     "the MX set of " + v.zone + " mixes a null MX with other records",
						Explanation: fmt.Sprintf("%s serves %s: %s. Senders cannot tell whether the domain takes mail.", s.Label(), mxList(mxs), why),
					})
					break
				}
				if target, why := targetWithoutAddress(s, mxs); target != "" {
					p.Report(Finding{
						Zone: v.zone, Servers: []string{target, s.Label()}, Queries: []int{q.ID},
						Summary:     "the MX target " + target + " has no address",
						Explanation: fmt.Sprintf("%s serves %s, but asked for %s's addresses it answered %s. Senders queue mail for an exchanger they cannot reach, then bounce it.", s.Label(), mxList(mxs), target, why),
					})
					break
				}
			}
		}
	},
}

func nullMXProblem(mxs []*dns.MX) string {
	for _, mx := range mxs {
		if mx.Mx != "." {
			continue
		}
		switch {
		case len(mxs) > 1:
			return "a null MX (MX 0 ., no mail at all) beside other exchangers"
		case mx.Preference != 0:
			return fmt.Sprintf("a null MX with preference %d instead of 0", mx.Preference)
		}
	}
	return ""
}

// targetWithoutAddress finds an in-zone MX target that the server says has
// neither an A nor an AAAA record (the survey asks both).
func targetWithoutAddress(s *trace.Server, mxs []*dns.MX) (string, string) {
	for _, mx := range mxs {
		target := strings.ToLower(mx.Mx)
		if repeatsOrigin(target, strings.ToLower(mx.Hdr.Name)) {
			continue // ns-missing-trailing-dot says why it has no address
		}
		var asked, empty int
		var rcodes []string
		for _, q := range queries(s, trace.PurposeMXTarget) {
			if q.Name != target || !q.OK() {
				continue
			}
			asked++
			if aliasIn(q) != "" {
				break // an alias: mx-to-cname's
			}
			if q.Class == trace.ClassNXDomain || q.Class == trace.ClassNoData {
				empty++
				rcodes = append(rcodes, q.Type+": "+strings.ToUpper(q.Class))
			}
		}
		if asked > 0 && empty == asked {
			return target, strings.Join(rcodes, ", ")
		}
	}
	return "", ""
}

func mxList(mxs []*dns.MX) string {
	var parts []string
	for _, mx := range mxs {
		parts = append(parts, fmt.Sprintf("MX %d %s", mx.Preference, mx.Mx))
	}
	return strings.Join(parts, ", ")
}
