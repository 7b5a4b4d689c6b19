package trace

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// The SOA and glue probes of `ddx check`, after Zonemaster's ZONE01,
// SYNTAX06 and CONSISTENCY05: the primary that the checked zone's SOA
// names (MNAME) is resolved and asked for the zone's SOA; the SOA
// contact's mail domain (RNAME) is looked up; the parent's glue for a
// name server in a sibling zone is compared with that zone's own data.
// Each is a lookup of the run (a reason of its own) or an ordinary Query,
// so a saved trace carries the evidence. They start as soon as the
// checked zone's servers answer, and run beside the survey.

// Primary is a name server that the zone's SOA names as its primary
// (MNAME) and that is not one of the step's listed servers: check
// resolves it (Lookup) and asks each address for the zone's SOA with RD=0
// (PurposeMNAME). A primary that is listed is judged by the survey.
type Primary struct {
	NSHost
	// Loopback are addresses not asked: a loopback address names this
	// machine, not the zone's primary.
	Loopback []string `json:"loopback,omitempty"`
	// Servers are the addresses asked, each with its query.
	Servers []*Server `json:"servers"`
}

// Bounds of the probes: a hostile zone could name a different MNAME on
// every server, and a long chain of side lookups would cost what
// NXNSAttack costs.
const (
	maxPrimaries    = 4  // distinct MNAMEs probed per step
	maxPrimaryAddrs = 4  // addresses of one MNAME asked
	maxSideLookups  = 16 // lookups of the SOA and glue probes per run
)

// checkProbes starts the SOA and glue probes of the checked zone once one
// of its servers has answered the step's question (its SOA).
func (r *run) checkProbes(lk *lookupState, st *Step, c Classification, m *dns.Msg) {
	if !r.cfg.Probes || lk.l.Reason != ReasonQuery || st.Qtype != dns.TypeSOA || st.Zone == "." ||
		!strings.EqualFold(st.Zone, st.Name) {
		return
	}
	r.siblingGlue(lk, st)
	if c.Class != ClassAnswer {
		return
	}
	var soa *dns.SOA
	for _, rr := range m.Answer {
		if s, ok := rr.(*dns.SOA); ok && strings.EqualFold(s.Hdr.Name, st.Zone) {
			soa = s
		}
	}
	if soa == nil {
		return
	}
	if domain := MailDomain(soa.Mbox); domain != "" && !strings.EqualFold(domain, st.Zone) && r.once(st, "rname|"+domain) {
		// Only its outcome matters (NXDOMAIN: the contact has no mail
		// domain); nothing waits for it.
		r.sideLookup(lk, st, domain, dns.TypeMX, ReasonRNAME)
	}
	mname := strings.ToLower(soa.Ns)
	if mname == "." || !r.once(st, "mname|"+mname) {
		return // "." says there is no primary to update (a common practice)
	}
	r.mu.Lock()
	listed := slices.ContainsFunc(st.Delegation.NS, func(h NSHost) bool { return h.Name == mname })
	full := len(st.Primaries) >= maxPrimaries
	var p *Primary
	if !listed && !full {
		p = &Primary{NSHost: NSHost{Name: mname, Addrs: []string{}}, Servers: []*Server{}}
		st.Primaries = append(st.Primaries, p)
	}
	r.mu.Unlock()
	if p != nil {
		r.wg.Add(1) // the run, not the step, waits for it
		go func() {
			defer r.wg.Done()
			r.probePrimary(lk, st, p)
		}()
	}
}

// once reports whether key is new for the step.
func (r *run) once(st *Step, key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := strconv.Itoa(st.ID) + "|" + strings.ToLower(key)
	if r.probed[k] {
		return false
	}
	r.probed[k] = true
	return true
}

// MailDomain is the mail domain of an SOA RNAME (everything after its
// first unescaped dot), or "" when it has none.
func MailDomain(mbox string) string {
	labels := dns.SplitDomainName(mbox)
	if len(labels) < 2 {
		return ""
	}
	return strings.ToLower(strings.Join(labels[1:], ".")) + "."
}

// probePrimary resolves a primary's addresses and asks each for the
// zone's SOA.
func (r *run) probePrimary(lk *lookupState, st *Step, p *Primary) {
	types := r.cfg.addrTypes()
	var subs []*lookupState
	budget := false
	for _, t := range types {
		if s := r.sideLookup(lk, st, p.Name, t, ReasonMNAME); s != nil {
			subs = append(subs, s)
		} else {
			budget = true
		}
	}
	var addrs []netip.Addr
	var ids []int
	var why []string
	for _, s := range subs {
		select {
		case <-s.answered:
		case <-s.done:
		case <-r.ctx.Done():
		}
		r.mu.Lock()
		ids = append(ids, s.l.ID)
		addrs = append(addrs, s.addrs...)
		if len(s.addrs) == 0 && isClosed(s.done) {
			why = append(why, s.l.Type+": "+r.lookupFailure(s.l.ID))
		}
		r.mu.Unlock()
	}
	r.mu.Lock()
	p.Lookup = ids
	for _, a := range addrs {
		p.Addrs = append(p.Addrs, a.String())
	}
	switch {
	case len(addrs) > 0:
	case budget && len(why) == 0:
		p.Error, p.Failure = "not resolved: budget", NSFailBudget
	case len(why) > 0:
		p.Error, p.Failure = strings.Join(why, "; "), NSFailLookup
	default:
		p.Error, p.Failure = "not resolved: the run ended first", NSFailBudget
	}
	local := r.rootsLoopback()
	var asked []*Server
	for _, a := range addrs {
		if a.IsLoopback() && !local || a.IsUnspecified() {
			p.Loopback = append(p.Loopback, a.String())
			continue
		}
		if len(asked) < maxPrimaryAddrs && r.cfg.familyOK(a) {
			srv := &Server{Name: p.Name, Address: a.String(), Queries: []*Query{}}
			p.Servers = append(p.Servers, srv)
			asked = append(asked, srv)
		}
	}
	r.mu.Unlock()
	var wg sync.WaitGroup
	for _, srv := range asked {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := netip.MustParseAddr(srv.Address)
			q := r.ask(r.ctx, netip.AddrPortFrom(a, r.cfg.port()), st.Zone, dns.TypeSOA, false, PurposeMNAME)
			if q.OK() {
				q.Class = Classify(st.Zone, dns.TypeSOA, st.Zone, q.Reply).Class
			}
			r.mu.Lock()
			q.ID = r.qid
			r.qid++
			srv.Queries = append(srv.Queries, q)
			r.mu.Unlock()
		}()
	}
	wg.Wait()
}

// rootsLoopback reports whether the run's root servers are on loopback
// (a lab): then a loopback address is a server like any other. Called
// with r.mu held.
func (r *run) rootsLoopback() bool {
	for _, h := range r.roots {
		for _, s := range h.Addrs {
			if a, err := netip.ParseAddr(s); err == nil && a.IsLoopback() {
				return true
			}
		}
	}
	return false
}

// siblingGlue looks up, once per step, the addresses of each name server
// that the parent glued although it lies outside the zone (in a sibling
// zone under the same parent), in the families the glue has: the
// sibling's own servers say whether the glue is stale.
func (r *run) siblingGlue(lk *lookupState, st *Step) {
	if st.Delegation.Source != "referral" || !r.once(st, "sibling-glue") {
		return
	}
	r.mu.Lock()
	hosts := copyHosts(st.Delegation.NS)
	r.mu.Unlock()
	for _, h := range hosts {
		if len(h.Glue) == 0 || IsSubdomain(st.Zone, h.Name) {
			continue
		}
		var v4, v6 bool
		for _, g := range h.Glue {
			if a, err := netip.ParseAddr(g); err == nil {
				v4, v6 = v4 || a.Is4(), v6 || !a.Is4()
			}
		}
		if v4 && !r.cfg.NoIPv4 {
			r.sideLookup(lk, st, h.Name, dns.TypeA, ReasonSiblingGlue)
		}
		if v6 && !r.cfg.NoIPv6 {
			r.sideLookup(lk, st, h.Name, dns.TypeAAAA, ReasonSiblingGlue)
		}
	}
}

// sideLookup starts (or finds) the lookup of a probe, or returns nil when
// the probes' budget or the glueless depth allows none. The run waits
// for it; the caller may.
func (r *run) sideLookup(lk *lookupState, st *Step, name string, qtype uint16, reason LookupReason) *lookupState {
	name = strings.ToLower(dns.Fqdn(name))
	key := string(reason) + "|" + name + "|" + dns.Type(qtype).String()
	r.sideMu.Lock()
	defer r.sideMu.Unlock()
	r.mu.Lock()
	if s := r.sides[key]; s != nil {
		r.requesters[s.l.ID] = append(r.requesters[s.l.ID], st.ID)
		r.mu.Unlock()
		return s
	}
	if len(r.sides) >= maxSideLookups || lk.depth+1 > r.cfg.Budget.GluelessDepth {
		r.mu.Unlock()
		return nil
	}
	r.mu.Unlock()
	s := r.startLookup(name, qtype, reason, lk, st.ID, nil)
	r.mu.Lock()
	r.sides[key] = s
	r.mu.Unlock()
	return s
}

// sideReason reports whether a lookup of this reason only gathers
// evidence for check: its steps survey nothing.
func sideReason(reason LookupReason) bool {
	return reason == ReasonMNAME || reason == ReasonRNAME || reason == ReasonSiblingGlue
}

// sortPrimaries orders a step's primaries by name and their servers by
// address, whatever order the replies came in. Called with r.mu held.
func sortPrimaries(st *Step) {
	slices.SortFunc(st.Primaries, func(a, b *Primary) int { return strings.Compare(a.Name, b.Name) })
	for _, p := range st.Primaries {
		slices.SortFunc(p.Servers, func(a, b *Server) int {
			if addrLess(a.Address, b.Address) {
				return -1
			}
			if addrLess(b.Address, a.Address) {
				return 1
			}
			return 0
		})
		slices.SortFunc(p.Addrs, func(a, b string) int {
			if addrLess(a, b) {
				return -1
			}
			if addrLess(b, a) {
				return 1
			}
			return 0
		})
	}
}
