package trace

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

type lookupState struct {
	l         *Lookup
	qtype     uint16
	ancestors map[string]bool // name|type of the lookups this one serves
	depth     int             // glueless depth
	chain     []string        // CNAME chain so far, starting with the query name
	wg        sync.WaitGroup  // steps and CNAME sub-lookups
	done      chan struct{}
	answered  chan struct{}
	once      sync.Once
	addrs     []netip.Addr
	publish   *lookupState // the lookup whose answer this one provides
}

// startLookup begins resolving (name, qtype) from the deepest zone cut this
// run already knows.
func (r *run) startLookup(name string, qtype uint16, reason LookupReason, parent *lookupState, fromStep int, chain []string) *lookupState {
	lk := &lookupState{
		qtype:     qtype,
		ancestors: map[string]bool{},
		done:      make(chan struct{}),
		answered:  make(chan struct{}),
		chain:     append(append([]string{}, chain...), name),
	}
	lk.publish = lk
	pid := -1
	if parent != nil {
		pid = parent.l.ID
		for k := range parent.ancestors {
			lk.ancestors[k] = true
		}
		lk.ancestors[parent.l.Name+"|"+parent.l.Type] = true
		lk.depth = parent.depth
		if reason == ReasonCNAME {
			lk.publish = parent.publish
		} else {
			lk.depth++
		}
	}
	r.mu.Lock()
	lk.l = &Lookup{ID: len(r.tr.Lookups), Name: name, Type: dns.Type(qtype).String(), Reason: reason, Parent: pid, FromStep: fromStep}
	r.tr.Lookups = append(r.tr.Lookups, lk.l)
	zone, hosts := r.startCut(name)
	lcopy := *lk.l
	r.mu.Unlock()
	r.emit(Event{Kind: EvLookupStarted, Lookup: &lcopy})

	src := "cache"
	if zone == "." {
		src = "hints"
	}
	st := r.newStep(lk, -1, zone, name, qtype, Delegation{Source: src, NS: hosts})
	r.wg.Add(1) // the closer below
	if st != nil {
		lk.wg.Add(1)
		r.wg.Add(1)
		go r.runStep(lk, st)
	}
	go func() {
		defer r.wg.Done()
		lk.wg.Wait()
		close(lk.done)
		if parent != nil && reason == ReasonCNAME {
			parent.wg.Done()
		}
	}()
	return lk
}

// startCut returns the deepest zone known to this run that encloses name,
// with its servers. Called with r.mu held.
func (r *run) startCut(name string) (string, []NSHost) {
	best := "."
	for z := range r.cuts {
		if IsSubdomain(z, name) && dns.CountLabel(z) > dns.CountLabel(best) {
			best = z
		}
	}
	hosts := make([]NSHost, len(r.cuts[best]))
	for i, h := range r.cuts[best] {
		hosts[i] = NSHost{Name: h.Name, Glue: h.Glue, Addrs: append([]string{}, h.Addrs...)}
	}
	return best, hosts
}

// followCNAME starts the lookup of an alias target, unless that would loop
// or exceed the CNAME budget.
func (r *run) followCNAME(lk *lookupState, st *Step, c Classification) (int, string) {
	chain := append(append([]string{}, lk.chain...), c.Chain...)
	seen := map[string]int{}
	for _, n := range chain {
		seen[n]++
		if seen[n] > 1 {
			return -1, "CNAME loop: " + strings.Join(chain, " → ")
		}
	}
	if len(chain)-1 > r.cfg.Budget.CNAMEHops {
		r.limit(BudgetCNAMEHops, fmt.Sprintf("more than %d CNAMEs in a chain", r.cfg.Budget.CNAMEHops), st.ID)
		return -1, "CNAME chain longer than the budget of " + fmt.Sprint(r.cfg.Budget.CNAMEHops)
	}
	lk.wg.Add(1)
	sub := r.startLookup(c.Target, lk.qtype, ReasonCNAME, lk, st.ID, chain[:len(chain)-1])
	return sub.l.ID, "alias to " + c.Target
}

// resolveNS finds the addresses of a glueless name server with sub-lookups,
// reusing what this run already resolved.
// When it finds none, it says why in words and as an NSFailure.
func (r *run) resolveNS(lk *lookupState, st *Step, name string) ([]netip.Addr, []int, string, NSFailure) {
	var types []uint16
	if !r.cfg.NoIPv4 {
		types = append(types, dns.TypeA)
	}
	if !r.cfg.NoIPv6 {
		types = append(types, dns.TypeAAAA)
	}
	var subs []*lookupState
	var why []string
	var fail NSFailure
	failed := func(f NSFailure) {
		if fail == "" || nsFailRank[f] < nsFailRank[fail] {
			fail = f
		}
	}
	for _, t := range types {
		key := name + "|" + dns.Type(t).String()
		if lk.ancestors[key] || lk.l.Name+"|"+lk.l.Type == key {
			why = append(why, "cycle: resolving "+name+" needs "+st.Zone+", whose servers need "+name)
			failed(NSFailCycle)
			continue
		}
		if lk.depth+1 > r.cfg.Budget.GluelessDepth {
			r.limit(BudgetGluelessDepth, fmt.Sprintf("glueless name servers nested more than %d deep", r.cfg.Budget.GluelessDepth), st.ID)
			why = append(why, "not resolved: glueless depth budget")
			failed(NSFailBudget)
			continue
		}
		r.mu.Lock()
		cached := r.nsCache[key]
		r.mu.Unlock()
		if cached != nil && isClosed(cached.answered, cached.done) {
			subs = append(subs, cached)
			continue
		}
		sub := r.startLookup(name, t, ReasonNSAddr, lk, st.ID, nil)
		r.mu.Lock()
		r.nsCache[key] = sub
		r.mu.Unlock()
		subs = append(subs, sub)
	}
	var addrs []netip.Addr
	var ids []int
	for _, s := range subs {
		select {
		case <-s.answered:
		case <-s.done:
		case <-r.ctx.Done():
		}
		ids = append(ids, s.l.ID)
		r.mu.Lock()
		addrs = append(addrs, s.addrs...)
		if len(s.addrs) == 0 && isClosed(s.done) {
			why = append(why, s.l.Type+": "+r.lookupFailure(s.l.ID))
			failed(NSFailLookup)
		}
		r.mu.Unlock()
	}
	if len(addrs) > 0 {
		return addrs, ids, "", ""
	}
	if len(why) == 0 {
		why = append(why, "no address")
		failed(NSFailNoAddress)
	}
	return nil, ids, strings.Join(why, "; "), fail
}

// lookupFailure says how a lookup that gave no address ended. Called with
// r.mu held.
func (r *run) lookupFailure(id int) string {
	ends := r.ends(id, map[int]bool{})
	var parts []string
	seen := map[string]bool{}
	for _, e := range ends {
		if !seen[e.Rcode] {
			seen[e.Rcode] = true
			parts = append(parts, e.Rcode)
		}
	}
	if len(parts) == 0 {
		return "no answer"
	}
	return strings.Join(parts, " or ")
}

func isClosed(chans ...chan struct{}) bool {
	for _, c := range chans {
		select {
		case <-c:
			return true
		default:
		}
	}
	return false
}

// publishAnswer hands the addresses in an answer to whoever waits for this
// lookup (or for the lookup it is the CNAME target of).
func (lk *lookupState) publishAnswer(rrs []dns.RR) {
	p := lk.publish
	var addrs []netip.Addr
	for _, rr := range rrs {
		switch v := rr.(type) {
		case *dns.A:
			if a, ok := netip.AddrFromSlice(v.A.To4()); ok {
				addrs = append(addrs, a)
			}
		case *dns.AAAA:
			if a, ok := netip.AddrFromSlice(v.AAAA); ok {
				addrs = append(addrs, a)
			}
		}
	}
	p.once.Do(func() {
		p.addrs = addrs
		close(p.answered)
	})
}

// nsFailRank orders the reasons when several address lookups of one name
// server fail differently: the most telling one is recorded.
var nsFailRank = map[NSFailure]int{NSFailCycle: 0, NSFailBudget: 1, NSFailLookup: 2, NSFailNoAddress: 3}
