package diagnose

import (
	"fmt"
	"strings"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

var ruleHostnameSyntax = &Rule{
	ID: "hostname-syntax", Severity: Error,
	Title: "a name server, mail exchanger or SOA primary is not a valid host name",
	Doc: "An NS or MX target, or the SOA MNAME, is not a valid host name: a character other than letters, digits " +
		"and hyphen (an underscore, a space), a label that starts or ends with a hyphen, or an all-numeric top " +
		"label (an address written as a name, MX 10 192.0.2.25.). Mail servers refuse such exchangers, and " +
		"registries and some resolvers refuse such name servers. In a zone file (ddx lint) it also covers the owners of " +
		"A and AAAA records; underscored owners of SRV, TXT or TLSA records and a leading * are not host names and are " +
		"not checked.",
	Fix:  "Name the host by a valid host name (letters, digits and inner hyphens) and point the record at it.",
	Refs: []string{"RFC 952", "RFC 1123 §2.1", "RFC 1537 §8", "RFC 2181 §11"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			if v.zone == "." {
				continue
			}
			done := map[string]bool{}
			report := func(name, role, where string, queries []int) {
				why := hostnameProblem(name)
				if why == "" || done[name] {
					return
				}
				done[name] = true
				p.Report(Finding{
					Zone: v.zone, Servers: []string{name}, Queries: queries,
					Summary:     fmt.Sprintf("the %s %s is not a valid host name", role, name),
					Explanation: fmt.Sprintf("%s names %s as %s, but %s. Host names are letters, digits and hyphens (RFC 952, RFC 1123); software that checks refuses the record.", where, name, role, why),
				})
			}
			if st := referralStep(v); st != nil {
				for _, h := range st.Delegation.NS {
					report(h.Name, "name server", "The delegation of "+v.zone, nil)
				}
			}
			for _, s := range v.servers {
				for _, q := range s.Queries {
					if !q.OK() || q.Class != trace.ClassAnswer {
						continue
					}
					for _, rr := range q.Reply.Answer {
						switch rr := rr.(type) {
						case *dns.NS:
							if q.Purpose == trace.PurposeNS {
								report(strings.ToLower(rr.Ns), "name server", s.Label()+"'s NS set", []int{q.ID})
							}
						case *dns.MX:
							if q.Purpose == trace.PurposeMX && rr.Mx != "." {
								report(strings.ToLower(rr.Mx), "mail exchanger", s.Label()+"'s MX set", []int{q.ID})
							}
						case *dns.SOA:
							if q.Purpose == trace.PurposeSOA {
								report(strings.ToLower(rr.Ns), "SOA primary (MNAME)", s.Label()+"'s SOA", []int{q.ID})
							}
						}
					}
				}
			}
		}
	},
}

// hostnameProblem says what makes name an invalid host name, or "".
func hostnameProblem(name string) string {
	labels := dns.SplitDomainName(name)
	if len(labels) == 0 {
		return ""
	}
	for _, l := range labels {
		if strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return fmt.Sprintf("the label %q starts or ends with a hyphen", l)
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Sprintf("the label %q holds %q", trace.Sanitize(l), c)
			}
		}
	}
	top := labels[len(labels)-1]
	if strings.Trim(top, "0123456789") == "" {
		return fmt.Sprintf("its top label %q is all digits (an address written as a name?)", top)
	}
	return ""
}
