package diagnose

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

var ruleSOASerialMismatch = &Rule{
	ID: "soa-serial-mismatch", Severity: Warning,
	Title: "the zone's servers serve different SOA serials",
	Doc: "Servers of one zone serve different SOA serials: some missed a zone transfer or lag behind, and serve " +
		"older data. The highest serial is found with RFC 1982 serial arithmetic.",
	Fix:  "Check NOTIFY and zone transfers from the primary to the lagging servers (logs, ACLs, TSIG keys).",
	Refs: []string{"RFC 1982", "RFC 1996", "RFC 1912 §2.2"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			serials := map[uint32][]string{}
			for _, s := range v.servers {
				if soa := apexSOA(s, v.zone); soa != nil {
					serials[soa.Serial] = append(serials[soa.Serial], s.Label())
				}
			}
			if len(serials) < 2 {
				continue
			}
			var nums []uint32
			for n := range serials {
				nums = append(nums, n)
			}
			sort.Slice(nums, func(i, j int) bool { return serialLess(nums[i], nums[j]) })
			var parts, servers []string
			for _, n := range nums {
				parts = append(parts, fmt.Sprintf("%s serve%s serial %d", list(serials[n]), plural(len(serials[n])), n))
				servers = append(servers, serials[n]...)
			}
			p.Report(Finding{
				Zone: v.zone, Servers: servers,
				Summary:     "the servers of " + v.zone + " serve different SOA serials",
				Explanation: strings.Join(parts, "; ") + fmt.Sprintf(". The highest (by RFC 1982 serial arithmetic) is %d: the others missed a zone transfer or lag behind, and serve older data.", nums[len(nums)-1]),
			})
		}
	},
}

func plural(n int) string {
	if n == 1 {
		return "s"
	}
	return ""
}

// serialLess compares SOA serials with RFC 1982 arithmetic.
func serialLess(a, b uint32) bool {
	return a != b && int32(b-a) > 0
}

func apexSOA(s *trace.Server, zone string) *dns.SOA {
	q := first(s, trace.PurposeSOA)
	if q == nil || q.Class != trace.ClassAnswer {
		return nil
	}
	for _, rr := range q.Reply.Answer {
		if soa, ok := rr.(*dns.SOA); ok && strings.EqualFold(soa.Hdr.Name, zone) {
			return soa
		}
	}
	return nil
}
