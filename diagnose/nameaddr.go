package diagnose

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/miekg/dns"
)

var ruleNameLooksLikeAddress = &Rule{
	ID: "name-looks-like-address", Severity: Notice,
	Title: "the queried name is an IPv4 address",
	Doc: "The query was for a name that is an IPv4 address written as a domain name; it does not exist in the DNS. " +
		"A reverse (PTR) lookup was probably meant.",
	Fix:  "To find the name of an address, use ddx trace -x ADDRESS.",
	Refs: []string{"RFC 1035 §3.5", "RFC 1912 §2.1"},
	Run: func(p *Pass) {
		t := p.Trace
		name := strings.TrimSuffix(t.Query.Name, ".")
		a, err := netip.ParseAddr(name)
		if err != nil || !a.Is4() || t.Query.Qtype == dns.TypePTR {
			return
		}
		rev, _ := dns.ReverseAddr(name)
		p.Report(Finding{
			Zone:        ".",
			Summary:     name + " looks like an IPv4 address, not a name",
			Explanation: fmt.Sprintf("The query was for the name %s, which is an IPv4 address written as a domain name; it does not exist in the DNS. A reverse lookup asks for %s PTR instead.", t.Query.Name, rev),
			Fix:         "To find the name of an address, use ddx trace -x " + name + ".",
		})
	},
}
