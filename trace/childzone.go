package trace

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// SourceParentServers marks a delegation built from the NS set that the
// parent's own servers give with authority: they serve the child zone too.
const SourceParentServers = "parent-servers"

// childOnParentServers handles a zone whose parent's servers also serve
// it, as hosting providers often do: asked for a name in it, they answer
// with authority, so the trace never meets a referral to the zone and
// would never check its servers or its chain of trust. The cut shows in
// two ways: a health check asks for the zone's SOA (Probes), and a signed
// zone's answer is signed by the zone below, a negative answer carries
// its SOA (DNSSEC). Like Zonemaster, ask the server that answered for the
// zone's NS, and its DS of the parent side (a server serving both zones
// answers DS from the parent, RFC 4035 §3.1.4.1: the parent's signature
// or SOA in that reply shows the cut); when the NS answer is
// authoritative, go on in the zone as if the parent had referred there.
// Returns the new step, or nil.
func (r *run) childOnParentServers(lk *lookupState, st *Step, rep srvReply) *Step {
	zone := r.hiddenCut(lk, st, rep)
	if zone == "" {
		return nil
	}
	addr, err := netip.ParseAddr(rep.srv.Address)
	if err != nil {
		return nil
	}
	ap := netip.AddrPortFrom(addr, r.cfg.port())
	q := r.ask(r.ctx, ap, zone, dns.TypeNS, false, PurposeNS)
	if q.OK() {
		q.Class = Classify(zone, dns.TypeNS, st.Zone, q.Reply).Class
	}
	r.mu.Lock()
	idx := -1
	for i, s := range st.Servers {
		if s == rep.srv {
			idx = i
		}
	}
	r.mu.Unlock()
	if idx >= 0 {
		r.addQuery(st, idx, rep.srv, q)
		r.askDS(st, idx, rep.srv, ap, zone)
	}
	m := q.Reply
	if m == nil || !m.Authoritative || m.Rcode != dns.RcodeSuccess {
		return nil
	}
	var hosts []NSHost
	var ttl uint32
	for _, rr := range m.Answer {
		ns, ok := rr.(*dns.NS)
		if !ok || !strings.EqualFold(ns.Hdr.Name, zone) {
			continue
		}
		h := NSHost{Name: strings.ToLower(ns.Ns)}
		// Addresses the answer adds for names inside the zone are the
		// zone's own data, not glue: resolve the rest as usual.
		for _, ex := range m.Extra {
			if !strings.EqualFold(ex.Header().Name, ns.Ns) || !IsSubdomain(zone, ns.Ns) {
				continue
			}
			switch a := ex.(type) {
			case *dns.A:
				h.Addrs = append(h.Addrs, a.A.String())
			case *dns.AAAA:
				h.Addrs = append(h.Addrs, a.AAAA.String())
			}
		}
		hosts = append(hosts, h)
		ttl = ns.Hdr.Ttl
	}
	if len(hosts) == 0 {
		return nil
	}
	if len(hosts) > r.cfg.Budget.NSPerZone {
		hosts = hosts[:r.cfg.Budget.NSPerZone] // runStep records the limit
	}
	d := Delegation{Source: SourceParentServers, From: []string{rep.srv.Label()}, NS: hosts, TTL: ttl, Raw: m}
	child := r.newStep(lk, st.ID, zone, st.Name, st.Qtype, d)
	if child == nil {
		return nil
	}
	r.goStep(lk, child)
	return child
}

// askParentSideDS asks another server of st that gave the answer
// leading to child, a zone on the parent's servers, for child's DS: every
// parent server is asked, as after a referral.
func (r *run) askParentSideDS(st *Step, srv *Server, child *Step) {
	if child.Delegation.Source != SourceParentServers {
		return
	}
	addr, err := netip.ParseAddr(srv.Address)
	if err != nil {
		return
	}
	r.mu.Lock()
	idx := slices.Index(st.Servers, srv)
	r.mu.Unlock()
	if idx >= 0 {
		r.askDS(st, idx, srv, netip.AddrPortFrom(addr, r.cfg.port()), child.Zone)
	}
}

// hiddenCut is the zone between st.Zone and the name that a server of st
// answered for without a referral: the zone of a health check's SOA
// question, or with DNSSEC the zone whose key signed the answer or whose
// SOA a negative answer carries. "" when the answer is st.Zone's own.
func (r *run) hiddenCut(lk *lookupState, st *Step, rep srvReply) string {
	m := rep.q.Reply
	if m == nil {
		return ""
	}
	below := func(z string) bool {
		z = strings.ToLower(dns.Fqdn(z))
		return z != st.Zone && IsSubdomain(st.Zone, z) && IsSubdomain(z, st.Name)
	}
	if r.cfg.Probes && lk.l.Reason == ReasonQuery && st.Qtype == dns.TypeSOA && rep.c.Class == ClassAnswer &&
		below(st.Name) && hasSOA(m, st.Name) {
		return strings.ToLower(st.Name)
	}
	if r.cfg.NoDNSSEC || lk.l.Reason == ReasonNSAddr {
		return ""
	}
	switch rep.c.Class {
	case ClassAnswer:
		for _, rr := range m.Answer {
			if sig, ok := rr.(*dns.RRSIG); ok && below(sig.SignerName) {
				return strings.ToLower(dns.Fqdn(sig.SignerName))
			}
		}
	case ClassNoData, ClassNXDomain:
		for _, rr := range m.Ns {
			if soa, ok := rr.(*dns.SOA); ok && below(soa.Hdr.Name) {
				return strings.ToLower(dns.Fqdn(soa.Hdr.Name))
			}
		}
	}
	return ""
}

// hasSOA reports whether a reply's answer holds the SOA of zone.
func hasSOA(m *dns.Msg, zone string) bool {
	if m == nil {
		return false
	}
	for _, rr := range m.Answer {
		if soa, ok := rr.(*dns.SOA); ok && strings.EqualFold(soa.Hdr.Name, zone) {
			return true
		}
	}
	return false
}
