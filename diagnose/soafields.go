package diagnose

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

var ruleSOAFieldsMismatch = &Rule{
	ID: "soa-fields-mismatch", Severity: Notice,
	Title: "servers agree on the serial but not on the rest of the SOA",
	Doc: "The zone's servers serve the same SOA serial but a different MNAME, RNAME or timers: the copies were not " +
		"made by zone transfer from one primary (two hand-kept copies, or two providers), so they can drift apart " +
		"in other records too.",
	Fix:  "Serve the zone from one primary and transfer it to every server, or keep the providers' SOA fields in step.",
	Refs: []string{"RFC 1035 §3.3.13", "RFC 1996"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			bySerial := map[uint32]map[string][]string{} // serial -> fields -> servers
			for _, s := range v.servers {
				soa := apexSOA(s, v.zone)
				if soa == nil {
					continue
				}
				f := soaFields(soa)
				if bySerial[soa.Serial] == nil {
					bySerial[soa.Serial] = map[string][]string{}
				}
				bySerial[soa.Serial][f] = append(bySerial[soa.Serial][f], s.Label())
			}
			for serial, variants := range bySerial {
				if len(variants) < 2 {
					continue
				}
				var parts, servers []string
				for f, who := range variants {
					parts = append(parts, list(who)+" serve "+f)
					servers = append(servers, who...)
				}
				sort.Strings(parts)
				sort.Strings(servers)
				p.Report(Finding{
					Zone: v.zone, Servers: servers,
					Summary:     fmt.Sprintf("the servers of %s serve serial %d with different SOA fields", v.zone, serial),
					Explanation: strings.Join(parts, "; ") + ". With the same serial, the copies should be identical: they were not transferred from one primary.",
				})
			}
		}
	},
}

func soaFields(soa *dns.SOA) string {
	return fmt.Sprintf("MNAME %s, RNAME %s, refresh %d, retry %d, expire %d, minimum %d",
		strings.ToLower(soa.Ns), strings.ToLower(soa.Mbox), soa.Refresh, soa.Retry, soa.Expire, soa.Minttl)
}

var ruleSOARNAMEInvalid = &Rule{
	ID: "soa-rname-invalid", Severity: Notice,
	Title: "the SOA RNAME is not a usable mailbox",
	Doc: "The SOA RNAME (the zone's contact) is not a valid mail address once its first unescaped dot becomes " +
		"@: an @ written into it, an empty local part, or a mail domain that is not a valid name, or (ddx check looks " +
		"it up) that does not exist (NXDOMAIN). Mail about the " +
		"zone (from other operators, registries, abuse desks) cannot reach its operator.",
	Fix:  "Write the contact as local-part.domain. (hostmaster.example.com. for hostmaster@example.com), escaping dots in the local part with a backslash.",
	Refs: []string{"RFC 1035 §3.3.13", "RFC 1912 §2.2"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			for _, s := range v.servers {
				soa := apexSOA(s, v.zone)
				if soa == nil {
					continue
				}
				if why := rnameProblem(soa.Mbox); why != "" {
					p.Report(Finding{
						Zone: v.zone, Servers: []string{s.Label()},
						Summary:     fmt.Sprintf("the SOA RNAME %s of %s is not a usable mailbox", trace.Sanitize(soa.Mbox), v.zone),
						Explanation: fmt.Sprintf("%s serves the RNAME %s: %s.", s.Label(), trace.Sanitize(soa.Mbox), why),
					})
					break
				}
				if l := mailDomainGone(p.Trace, soa.Mbox); l != nil {
					p.Report(Finding{
						Zone: v.zone, Servers: []string{s.Label()}, Steps: lookupSteps(p.Trace, l.ID),
						Summary:     fmt.Sprintf("the mail domain %s of the SOA RNAME of %s does not exist", trace.Sanitize(l.Name), v.zone),
						Explanation: fmt.Sprintf("%s serves the RNAME %s, whose mail domain %s does not exist: asked for its MX records, the DNS answered NXDOMAIN. Mail to the zone's contact bounces.", s.Label(), trace.Sanitize(soa.Mbox), trace.Sanitize(l.Name)),
						Fix:         "Set the RNAME to a mailbox in a domain that exists and takes mail (hostmaster." + v.zone + " with a hostmaster address in the zone's mail).",
					})
					break
				}
			}
		}
	},
}

// rnameProblem says why an SOA RNAME is not a mailbox, or "".
func rnameProblem(mbox string) string {
	if strings.Contains(mbox, "@") {
		return "it holds an @, but the RNAME writes the @ as its first dot (hostmaster.example.com.)"
	}
	labels := dns.SplitDomainName(mbox)
	if len(labels) < 2 {
		return "it has no mail domain after the local part"
	}
	// The first label is the local part (dots inside it are escaped); the
	// rest is the mail domain, which must be a host name.
	domain := strings.Join(labels[1:], ".") + "."
	if why := hostnameProblem(domain); why != "" {
		return "its mail domain " + trace.Sanitize(domain) + " is not a valid name: " + why
	}
	return ""
}

// mailDomainGone is check's lookup of an RNAME's mail domain when it
// ended NXDOMAIN, or nil: the domain does not exist. A lookup that a
// budget cut short, or that failed, says nothing.
func mailDomainGone(t *trace.Trace, mbox string) *trace.Lookup {
	domain := trace.MailDomain(mbox)
	for _, l := range t.Lookups {
		if l.Reason == trace.ReasonRNAME && l.Name == domain && l.Outcome.Rcode == trace.RcodeNXDomain {
			return l
		}
	}
	return nil
}

// lookupSteps are the steps of a lookup.
func lookupSteps(t *trace.Trace, id int) []int {
	var out []int
	for _, st := range t.Steps {
		if st.Lookup == id {
			out = append(out, st.ID)
		}
	}
	return out
}
