package trace

import (
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/miekg/dns"
)

// PTRReport is what --ptr found: the reverse name of each address of the
// zone's hosts, and whether a name it gives resolves back to the address
// (forward-confirmed reverse DNS, as host -A and dnswalk checked it).
type PTRReport struct {
	Zone   string     `json:"zone"`
	Checks []PTRCheck `json:"checks"`
	// Cap is the most addresses looked up (Budget.PTR); LeftOut counts
	// the addresses of the zone's hosts beyond it, not looked up.
	Cap     int `json:"cap"`
	LeftOut int `json:"left_out,omitempty"`
}

// PTRCheck is the reverse lookup of one address.
type PTRCheck struct {
	Address string      `json:"address"`
	Hosts   []string    `json:"hosts"` // the zone's names with this address
	From    []PTRSource `json:"from"`
	Lookup  int         `json:"lookup"` // the PTR lookup; -1 when the run ended first
	Rcode   string      `json:"rcode,omitempty"`
	Names   []string    `json:"names,omitempty"` // the PTR targets, the first maxPTRNames
	// NamesLeft counts the PTR targets beyond maxPTRNames, not resolved.
	NamesLeft int `json:"names_left_out,omitempty"`
	// Forward are the lookups of the targets' addresses (A for an IPv4
	// address, AAAA for IPv6), one per name, at most maxPTRNames.
	Forward []PTRForward `json:"forward,omitempty"`
	Verdict PTRVerdict   `json:"verdict"`
}

// PTRForward is the lookup of one PTR target's addresses.
type PTRForward struct {
	Name   string   `json:"name"`
	Lookup int      `json:"lookup"` // -1 when the run ended first
	Rcode  string   `json:"rcode,omitempty"`
	Addrs  []string `json:"addresses,omitempty"`
}

// maxPTRNames bounds the targets of one PTR RRset that are resolved.
const maxPTRNames = 4

// ptrHost is one address of one of the zone's names.
type ptrHost struct {
	name string
	addr netip.Addr
}

// ptrSources are where --ptr finds the zone's addresses, in order of
// precedence when the cap leaves some out. Each reads the finished walk.
var ptrSources = []struct {
	from  PTRSource
	hosts func(t *Trace, zone string) []ptrHost
}{
	{PTRFromAnswer, answerHosts},
	{PTRFromNS, nsHosts},
	{PTRFromMX, mxHosts},
	{PTRFromAXFR, transferHosts},
}

// answerHosts are the A and AAAA records that answered the query (or a
// CNAME target of it).
func answerHosts(t *Trace, _ string) []ptrHost {
	var out []ptrHost
	for _, st := range t.Steps {
		if !servesQuery(t, st.Lookup) {
			continue
		}
		for _, s := range st.Servers {
			for _, q := range s.Queries {
				if q.Purpose == PurposeResolve && q.Class == ClassAnswer && q.OK() {
					out = append(out, addrRecords(q.Reply.Answer, st.Name)...)
				}
			}
		}
	}
	return out
}

// servesQuery reports whether a lookup is the query or an alias target of it.
func servesQuery(t *Trace, id int) bool {
	for l := t.LookupByID(id); l != nil; l = t.LookupByID(l.Parent) {
		switch l.Reason {
		case ReasonQuery:
			return true
		case ReasonCNAME:
			continue
		}
		return false
	}
	return false
}

// nsHosts are the addresses of the zone's name servers: the delegation's
// and those only the zone's own servers list.
func nsHosts(t *Trace, zone string) []ptrHost {
	var out []ptrHost
	for _, st := range t.Steps {
		if st.Zone != zone {
			continue
		}
		for _, h := range append(append([]NSHost{}, st.Delegation.NS...), st.ChildOnly...) {
			for _, a := range h.Addrs {
				if pa, err := netip.ParseAddr(a); err == nil {
					out = append(out, ptrHost{h.Name, pa.Unmap()})
				}
			}
		}
	}
	return out
}

// mxHosts are the addresses of in-zone MX targets that the survey asked
// the zone's servers for.
func mxHosts(t *Trace, zone string) []ptrHost {
	var out []ptrHost
	for _, st := range t.Steps {
		if st.Zone != zone {
			continue
		}
		for _, s := range st.Servers {
			for _, q := range s.Queries {
				if q.Purpose == PurposeMXTarget && q.Class == ClassAnswer && q.OK() {
					out = append(out, addrRecords(q.Reply.Answer, q.Name)...)
				}
			}
		}
	}
	return out
}

// transferHosts are the address records of the zone's names that a zone
// transfer (ddx check's AXFR) gave, whole or cut.
func transferHosts(t *Trace, zone string) []ptrHost {
	var out []ptrHost
	seen := map[string]bool{}
	for _, st := range t.Steps {
		if st.Zone != zone {
			continue
		}
		for _, s := range st.Servers {
			for _, q := range s.Queries {
				if q.Purpose != PurposeAXFR || !q.OK() {
					continue
				}
				for _, rr := range q.Reply.Answer {
					owner := strings.ToLower(rr.Header().Name)
					if t := rr.Header().Rrtype; (t == dns.TypeA || t == dns.TypeAAAA) && IsSubdomain(zone, owner) && !seen[rr.String()] {
						seen[rr.String()] = true
						out = append(out, addrRecords([]dns.RR{rr}, owner)...)
					}
				}
			}
		}
	}
	return out
}

// addrRecords are the A and AAAA records of owner in rrs.
func addrRecords(rrs []dns.RR, owner string) []ptrHost {
	var out []ptrHost
	for _, rr := range rrs {
		if !strings.EqualFold(rr.Header().Name, owner) {
			continue
		}
		var ip []byte
		switch v := rr.(type) {
		case *dns.A:
			ip = v.A.To4()
		case *dns.AAAA:
			ip = v.AAAA
		}
		if a, ok := netip.AddrFromSlice(ip); ok {
			out = append(out, ptrHost{strings.ToLower(owner), a.Unmap()})
		}
	}
	return out
}

// ptrZone is the zone whose hosts --ptr checks: the deepest zone the
// query's own steps reached.
func ptrZone(t *Trace) string {
	zone := "."
	for _, st := range t.Steps {
		if st.Lookup == 0 && dns.CountLabel(st.Zone) > dns.CountLabel(zone) {
			zone = st.Zone
		}
	}
	return zone
}

// ptrChecks gathers the addresses to look up, one check per address, the
// first cap of them in the sources' order (then address order).
func ptrChecks(t *Trace, zone string, limit int) ([]PTRCheck, int) {
	var order []netip.Addr
	byAddr := map[netip.Addr]*PTRCheck{}
	named := map[ptrHost]bool{} // a transfer can give thousands of names one address
	for _, src := range ptrSources {
		hosts := src.hosts(t, zone)
		sort.SliceStable(hosts, func(i, j int) bool { return hosts[i].addr.Less(hosts[j].addr) })
		for _, h := range hosts {
			if !h.addr.IsValid() {
				continue
			}
			c := byAddr[h.addr]
			if c == nil {
				c = &PTRCheck{Address: h.addr.String(), Lookup: -1, Verdict: PTRUnknown}
				byAddr[h.addr] = c
				order = append(order, h.addr)
			}
			if !named[h] {
				named[h] = true
				c.Hosts = append(c.Hosts, h.name)
			}
			if !slices.Contains(c.From, src.from) {
				c.From = append(c.From, src.from)
			}
		}
	}
	left := max(0, len(order)-limit)
	order = order[:len(order)-left]
	out := make([]PTRCheck, 0, len(order))
	for _, a := range order {
		c := byAddr[a]
		sort.Strings(c.Hosts)
		out = append(out, *c)
	}
	return out, left
}
