package trace

import (
	"net/netip"
	"strings"

	"github.com/miekg/dns"
)

// SourceParentServers marks a delegation built from the NS set that the
// parent's own servers give with authority: they serve the child zone too.
const SourceParentServers = "parent-servers"

// childOnParentServers handles a health check of a zone whose parent's
// servers also serve it, as hosting providers often do: asked for the
// zone's SOA they answer with authority, so the trace never meets a
// referral to the zone and would never check its servers. Like Zonemaster,
// ask the server that answered for the zone's NS; when that answer is
// authoritative, survey the zone from it as if the parent had referred
// there. Returns the new step, or nil.
func (r *run) childOnParentServers(lk *lookupState, st *Step, rep srvReply) *Step {
	if !r.cfg.Probes || lk.l.Reason != ReasonQuery || st.Qtype != dns.TypeSOA ||
		strings.EqualFold(st.Zone, st.Name) || rep.c.Class != ClassAnswer || !hasSOA(rep.q.Reply, st.Name) {
		return nil
	}
	addr, err := netip.ParseAddr(rep.srv.Address)
	if err != nil {
		return nil
	}
	q := r.ask(r.ctx, netip.AddrPortFrom(addr, r.cfg.port()), st.Name, dns.TypeNS, false, PurposeNS)
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
	}
	m := q.Reply
	if m == nil || !m.Authoritative || m.Rcode != dns.RcodeSuccess {
		return nil
	}
	var hosts []NSHost
	var ttl uint32
	for _, rr := range m.Answer {
		ns, ok := rr.(*dns.NS)
		if !ok || !strings.EqualFold(ns.Hdr.Name, st.Name) {
			continue
		}
		h := NSHost{Name: strings.ToLower(ns.Ns)}
		// Addresses the answer adds for names inside the zone are the
		// zone's own data, not glue: resolve the rest as usual.
		for _, ex := range m.Extra {
			if !strings.EqualFold(ex.Header().Name, ns.Ns) || !IsSubdomain(st.Name, ns.Ns) {
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
	child := r.newStep(lk, st.ID, strings.ToLower(st.Name), st.Name, st.Qtype, d)
	if child == nil {
		return nil
	}
	r.goStep(lk, child)
	return child
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
