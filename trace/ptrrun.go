package trace

import (
	"maps"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/miekg/dns"
)

// checkPTR runs after the walk when Config.PTR is set: the PTR of each
// address of the zone's hosts, resolved from the root, then the addresses
// of the names the PTRs give. Walking from the root for every address
// would ask the root and in-addr.arpa servers once per address, so the
// lookups go in waves: one address per family, then one per network,
// then the rest, each wave starting from the deepest cut the waves before
// it reached. A wave starts when the one before has ended, so where a
// lookup starts depends on what was answered, never on timing.
func (r *run) checkPTR() {
	if !r.cfg.PTR {
		return
	}
	r.mu.Lock()
	zone := ptrZone(r.tr)
	checks, left := ptrChecks(r.tr, zone, r.cfg.Budget.PTR)
	rep := &PTRReport{Zone: zone, Checks: checks, Cap: r.cfg.Budget.PTR, LeftOut: left}
	r.tr.PTR = rep
	forward := map[string][]NSHost{".": r.roots}
	cutsOf(r.tr.Steps, forward)
	r.mu.Unlock()

	reverse := map[string][]NSHost{".": r.roots}
	for _, wave := range ptrWaves(checks) {
		if r.ctx.Err() != nil {
			return
		}
		var started []*lookupState
		for _, i := range wave {
			name, err := dns.ReverseAddr(checks[i].Address)
			if err != nil {
				continue
			}
			lk := r.startPTRLookup(name, dns.TypePTR, ReasonPTR, 0, reverse)
			started = append(started, lk)
			r.mu.Lock()
			rep.Checks[i].Lookup = lk.l.ID
			r.mu.Unlock()
		}
		r.wg.Wait()
		r.mu.Lock()
		for _, lk := range started {
			cutsOf(r.stepsOf(lk.l.ID), reverse)
		}
		r.mu.Unlock()
	}

	// The targets' addresses, one lookup per name and type, from the
	// cuts the walk reached (a healthy zone's hosts are in the zone).
	if r.ctx.Err() != nil {
		return
	}
	fwd := map[string]int{}
	for i := range rep.Checks {
		c := &rep.Checks[i]
		if c.Lookup < 0 {
			continue
		}
		qtype := dns.TypeA
		if a, err := netip.ParseAddr(c.Address); err == nil && a.Is6() {
			qtype = dns.TypeAAAA
		}
		r.mu.Lock()
		names := ptrTargets(r.lookupRRs(c.Lookup, dns.TypePTR))
		r.mu.Unlock()
		if len(names) > maxPTRNames {
			c.NamesLeft = len(names) - maxPTRNames
			names = names[:maxPTRNames]
		}
		c.Names = names
		for _, name := range names {
			key := name + "|" + dns.Type(qtype).String()
			id, ok := fwd[key]
			if !ok {
				id = r.startPTRLookup(name, qtype, ReasonPTRTarget, c.Lookup, forward).l.ID
				fwd[key] = id
			}
			c.Forward = append(c.Forward, PTRForward{Name: name, Lookup: id})
		}
	}
	r.wg.Wait()
}

// startPTRLookup starts a lookup for --ptr, a sub-lookup of lookup pid,
// from the deepest of the known cuts; like the SOA and glue probes' side
// lookups, it surveys no server: what --ptr checks is the PTR.
func (r *run) startPTRLookup(name string, qtype uint16, reason LookupReason, pid int, known map[string][]NSHost) *lookupState {
	lk := newLookupState(name, qtype, nil)
	lk.known = maps.Clone(known)
	lk.depth, lk.side = 1, true
	return r.launch(lk, name, qtype, reason, nil, pid, -1)
}

// ptrWaves orders the checks in waves: the first address of each family,
// then the first of each network (/24, /48) not yet looked up, then the
// rest.
func ptrWaves(checks []PTRCheck) [][]int {
	addr := func(i int) netip.Addr { a, _ := netip.ParseAddr(checks[i].Address); return a }
	family := func(a netip.Addr) string { return map[bool]string{true: "4", false: "6"}[a.Is4()] }
	network := func(a netip.Addr) string {
		bits := 48
		if a.Is4() {
			bits = 24
		}
		p, _ := a.Prefix(bits)
		return p.String()
	}
	done := map[int]bool{}
	var waves [][]int
	for _, key := range []func(netip.Addr) string{family, network} {
		seen := map[string]bool{}
		for i := range checks {
			if done[i] {
				seen[key(addr(i))] = true
			}
		}
		var wave []int
		for i := range checks {
			if k := key(addr(i)); !done[i] && !seen[k] {
				seen[k], done[i] = true, true
				wave = append(wave, i)
			}
		}
		if len(wave) > 0 {
			waves = append(waves, wave)
		}
	}
	var rest []int
	for i := range checks {
		if !done[i] {
			rest = append(rest, i)
		}
	}
	if len(rest) > 0 {
		waves = append(waves, rest)
	}
	return waves
}

// cutsOf adds to known the zone cuts of steps it does not know yet, each
// with its glue (as pathCuts does). Where steps reached one zone through
// different NS sets, the first set in name order is taken. Called with
// r.mu held.
func cutsOf(steps []*Step, known map[string][]NSHost) {
	best := map[string]string{}
	for _, st := range steps {
		if st.Zone == "." || len(st.Delegation.NS) == 0 {
			continue
		}
		var names []string
		for _, h := range st.Delegation.NS {
			names = append(names, h.Name)
		}
		sort.Strings(names)
		key := strings.Join(names, ",")
		if b, ok := best[st.Zone]; ok && b <= key {
			continue
		}
		if _, ok := known[st.Zone]; ok && best[st.Zone] == "" {
			continue // from an earlier wave
		}
		best[st.Zone] = key
		hosts := make([]NSHost, len(st.Delegation.NS))
		for i, h := range st.Delegation.NS {
			hosts[i] = NSHost{Name: h.Name, Glue: slices.Clone(h.Glue), Addrs: slices.Clone(h.Glue)}
		}
		known[st.Zone] = hosts
	}
}

// stepsOf are the steps of a lookup and of its alias targets. Called with
// r.mu held.
func (r *run) stepsOf(id int) []*Step {
	ids := map[int]bool{id: true}
	for _, l := range r.tr.Lookups {
		for p := l; p != nil && p.Reason == ReasonCNAME; p = r.tr.LookupByID(p.Parent) {
			if ids[p.Parent] {
				ids[l.ID] = true
				break
			}
		}
	}
	var out []*Step
	for _, st := range r.tr.Steps {
		if ids[st.Lookup] {
			out = append(out, st)
		}
	}
	return out
}

// lookupRRs are the records of type qtype that answered a lookup (or an
// alias target of it), from every server that answered. Called with r.mu
// held.
func (r *run) lookupRRs(id int, qtype uint16) []dns.RR {
	var out []dns.RR
	seen := map[string]bool{}
	for _, st := range r.stepsOf(id) {
		for _, s := range st.Servers {
			for _, q := range s.Queries {
				if q.Purpose != PurposeResolve || q.Class != ClassAnswer || !q.OK() {
					continue
				}
				for _, rr := range q.Reply.Answer {
					if rr.Header().Rrtype == qtype && strings.EqualFold(rr.Header().Name, st.Name) && !seen[rr.String()] {
						seen[rr.String()] = true
						out = append(out, rr)
					}
				}
			}
		}
	}
	return out
}

// ptrTargets are the distinct names of PTR records, lowercased and sorted.
func ptrTargets(rrs []dns.RR) []string {
	var out []string
	for _, rr := range rrs {
		if p, ok := rr.(*dns.PTR); ok {
			if n := strings.ToLower(p.Ptr); !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	sort.Strings(out)
	return out
}

// ptrVerdicts fills in each check's outcome once every lookup has one.
// Called with r.mu held, from finish.
func (r *run) ptrVerdicts() {
	rep := r.tr.PTR
	if rep == nil {
		return
	}
	for i := range rep.Checks {
		c := &rep.Checks[i]
		if l := r.tr.LookupByID(c.Lookup); l != nil {
			c.Rcode = l.Outcome.Rcode
		}
		for j := range c.Forward {
			f := &c.Forward[j]
			l := r.tr.LookupByID(f.Lookup)
			if l == nil {
				continue
			}
			f.Rcode, f.Addrs = l.Outcome.Rcode, nil
			for _, rr := range r.lookupRRs(l.ID, dns.StringToType[l.Type]) {
				for _, h := range addrRecords([]dns.RR{rr}, rr.Header().Name) {
					if s := h.addr.String(); !slices.Contains(f.Addrs, s) {
						f.Addrs = append(f.Addrs, s)
					}
				}
			}
			sort.Strings(f.Addrs)
		}
		c.Verdict = ptrVerdict(c)
	}
}

// ptrVerdict judges one check: no PTR, a PTR target that has the address,
// or only targets that do not; anything that failed or was cut short
// leaves nothing to judge.
func ptrVerdict(c *PTRCheck) PTRVerdict {
	switch c.Rcode {
	case RcodeNXDomain, RcodeNoData:
		return PTRMissing
	case RcodeNoError:
	default:
		return PTRUnknown
	}
	settled := len(c.Forward) > 0 && c.NamesLeft == 0
	for _, f := range c.Forward {
		if slices.Contains(f.Addrs, c.Address) {
			return PTRConfirmed
		}
		switch f.Rcode {
		case RcodeNoError, RcodeNoData, RcodeNXDomain:
		default:
			settled = false
		}
	}
	if settled {
		return PTRMismatch
	}
	return PTRUnknown
}
