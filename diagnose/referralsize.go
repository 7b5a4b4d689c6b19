package diagnose

import (
	"fmt"
	"net"
	"strings"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

var ruleReferralTooLarge = &Rule{
	ID: "referral-too-large", Severity: Warning,
	Title: "the referral does not fit 512 bytes without EDNS",
	Doc: "The referral the parent sends for the zone, with every NS name and one address for each name server " +
		"inside the zone, does not fit a 512-byte UDP reply for the longest possible query name. Resolvers without " +
		"EDNS get a truncated referral and must retry over TCP; some give up. A referral seen with TC set says the " +
		"same from the packets themselves.",
	Fix:  "Use fewer or shorter name server names, or name servers outside the zone (which need no glue).",
	Refs: []string{"RFC 1035 §4.2.1", "RFC 9471"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			st := referralStep(v)
			if st == nil || v.zone == "." {
				continue
			}
			size := worstReferralSize(v.zone, st.Delegation.NS)
			truncated := truncatedReferral(p.Trace.StepByID(st.Parent))
			if size <= 512 && truncated == "" {
				continue
			}
			why := fmt.Sprintf("Built as the parent would send it for a query name of 255 octets, without EDNS, the referral to %s (%d NS names and one address for each name server inside the zone) takes %d bytes, more than the 512 that fit a UDP reply without EDNS.", v.zone, len(st.Delegation.NS), size)
			if size <= 512 {
				why = ""
			}
			if truncated != "" {
				why = strings.TrimSpace(why + " " + truncated)
			}
			p.Report(Finding{
				Zone: v.zone, Steps: []int{st.ID},
				Summary:     fmt.Sprintf("the referral to %s does not fit 512 bytes without EDNS", v.zone),
				Explanation: why + " Resolvers without EDNS get it truncated and must retry over TCP.",
			})
		}
	},
}

// worstReferralSize packs the referral for the longest query name under
// zone: the NS set, and an address for every in-zone name server, without
// EDNS and with name compression, as a parent server would.
func worstReferralSize(zone string, hosts []trace.NSHost) int {
	m := new(dns.Msg)
	m.SetQuestion(longestName(zone), dns.TypeA)
	m.Response, m.Compress = true, true
	for _, h := range hosts {
		m.Ns = append(m.Ns, &dns.NS{Hdr: dns.RR_Header{Name: zone, Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: 172800}, Ns: h.Name})
		if !trace.IsSubdomain(zone, h.Name) {
			continue
		}
		hdr := dns.RR_Header{Name: h.Name, Class: dns.ClassINET, Ttl: 172800}
		if len(h.Addrs) > 0 && strings.Contains(h.Addrs[0], ":") {
			hdr.Rrtype = dns.TypeAAAA
			m.Extra = append(m.Extra, &dns.AAAA{Hdr: hdr, AAAA: net.ParseIP(h.Addrs[0])})
		} else {
			hdr.Rrtype = dns.TypeA
			m.Extra = append(m.Extra, &dns.A{Hdr: hdr, A: net.IPv4(192, 0, 2, 1)})
		}
	}
	return m.Len()
}

// longestName is a name of 255 octets in wire format under zone.
func longestName(zone string) string {
	name := zone
	room := 255 - (len(dns.Fqdn(zone)) + 1) // wire length of zone
	if zone == "." {
		room = 254
	}
	for room > 1 {
		n := min(63, room-1)
		name = strings.Repeat("a", n) + "." + strings.TrimPrefix(name, ".")
		room -= n + 1
	}
	return name
}

// truncatedReferral says which parent servers sent the referral with TC set.
func truncatedReferral(parent *trace.Step) string {
	if parent == nil {
		return ""
	}
	var who []string
	for _, s := range parent.Servers {
		q := first(s, trace.PurposeResolve)
		if q == nil || q.Class != trace.ClassReferral {
			continue
		}
		for _, a := range q.Attempts {
			if a.TC {
				who = append(who, s.Label())
				break
			}
		}
	}
	if len(who) == 0 {
		return ""
	}
	return list(who) + " sent the referral truncated (TC=1) over UDP."
}
