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
	ancestors map[string]bool // names of the lookups this one serves
	depth     int             // glueless depth
	chain     []string        // CNAME chain so far, starting with the query name
	wg        sync.WaitGroup  // steps and CNAME sub-lookups
	done      chan struct{}
	answered  chan struct{}
	once      sync.Once
	addrs     []netip.Addr
	publish   *lookupState // the lookup whose answer this one provides
	// known are the zone cuts this lookup may start from: the root and
	// the zones on the path of steps that led to it. Never "whatever this
	// run learned first", which would depend on which reply came first.
	known map[string][]NSHost
	// starter is the lookup that started this one; cycleVia names the
	// lookups whose names closed a cycle of glueless lookups below this
	// one (set under r.mu).
	starter  *lookupState
	cycleVia map[string]bool
	// side: a lookup of check's SOA and glue probes or of --ptr (or one
	// it needed), which surveys no server.
	side bool
}

// startLookup begins resolving (name, qtype) from the deepest zone cut on
// the path that led to it (the root for the query).
func (r *run) startLookup(name string, qtype uint16, reason LookupReason, parent *lookupState, fromStep int, chain []string) *lookupState {
	lk := newLookupState(name, qtype, chain)
	pid := -1
	lk.known = map[string][]NSHost{".": r.roots}
	lk.starter, lk.cycleVia = parent, map[string]bool{}
	lk.side = sideReason(reason) || parent != nil && parent.side
	if parent != nil {
		for z, h := range parent.known {
			lk.known[z] = h
		}
		r.mu.Lock()
		// A probe may start at the zone it probes: it is not needed to
		// reach that zone.
		r.pathCuts(lk.known, fromStep, reason == ReasonCNAME || sideReason(reason))
		r.mu.Unlock()
		pid = parent.l.ID
		for k := range parent.ancestors {
			lk.ancestors[k] = true
		}
		lk.ancestors[parent.l.Name] = true
		lk.depth = parent.depth
		if reason == ReasonCNAME {
			lk.publish = parent.publish
		} else {
			lk.depth++
		}
	}
	return r.launch(lk, name, qtype, reason, parent, pid, fromStep)
}

func newLookupState(name string, qtype uint16, chain []string) *lookupState {
	lk := &lookupState{
		qtype:     qtype,
		ancestors: map[string]bool{},
		done:      make(chan struct{}),
		answered:  make(chan struct{}),
		chain:     append(append([]string{}, chain...), name),
		cycleVia:  map[string]bool{},
	}
	lk.publish = lk
	return lk
}

// launch records a lookup (a sub-lookup of parent, or of lookup pid) and
// starts its first step at the deepest of its known zone cuts.
func (r *run) launch(lk *lookupState, name string, qtype uint16, reason LookupReason, parent *lookupState, pid, fromStep int) *lookupState {
	r.mu.Lock()
	lk.l = &Lookup{ID: len(r.tr.Lookups), Name: name, Type: dns.Type(qtype).String(), Reason: reason, Parent: pid, FromStep: fromStep}
	if parent != nil {
		r.requesters[lk.l.ID] = []int{fromStep}
	}
	r.tr.Lookups = append(r.tr.Lookups, lk.l)
	zone, hosts := startCut(name, lk.known)
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
		r.goStep(lk, st)
	}
	if parent != nil && reason == ReasonCNAME {
		r.wait(parent, lk, true)
	}
	go func() {
		defer r.wg.Done()
		lk.wg.Wait()
		close(lk.done)
		if parent != nil && reason == ReasonCNAME {
			r.wait(parent, lk, false)
			parent.wg.Done()
		}
	}()
	return lk
}

// startCut returns the deepest of the known zones that encloses name,
// with its servers.
func startCut(name string, known map[string][]NSHost) (string, []NSHost) {
	best := "."
	for z := range known {
		if IsSubdomain(z, name) && dns.CountLabel(z) > dns.CountLabel(best) {
			best = z
		}
	}
	hosts := make([]NSHost, len(known[best]))
	for i, h := range known[best] {
		hosts[i] = NSHost{Name: h.Name, Glue: h.Glue, Addrs: append([]string{}, h.Addrs...)}
	}
	return best, hosts
}

// pathCuts adds to known the zones of the steps from the root to step id
// (the step itself only when self is set: a CNAME target may start where
// the alias was found, but the addresses of a zone's own name servers
// cannot be looked up at that zone). Each keeps only its glue: addresses
// resolved for glueless servers arrive in any order, so they are resolved
// again (through the shared lookups). Called with r.mu held.
func (r *run) pathCuts(known map[string][]NSHost, id int, self bool) {
	st := r.tr.StepByID(id)
	if st != nil && !self {
		st = r.tr.StepByID(st.Parent)
	}
	for ; st != nil; st = r.tr.StepByID(st.Parent) {
		if st.Zone == "." {
			continue
		}
		if _, ok := known[st.Zone]; ok {
			continue
		}
		hosts := make([]NSHost, len(st.Delegation.NS))
		for i, h := range st.Delegation.NS {
			hosts[i] = NSHost{Name: h.Name, Glue: append([]string{}, h.Glue...), Addrs: append([]string{}, h.Glue...)}
		}
		known[st.Zone] = hosts
	}
}

// wait records (on) or clears (off) that lookup a waits for lookup b, so
// that a shared lookup is never awaited by one it waits for itself.
func (r *run) wait(a, b *lookupState, on bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if on {
		r.addWait(a, b)
		return
	}
	if r.waits[a][b]--; r.waits[a][b] <= 0 {
		delete(r.waits[a], b)
	}
}

// addWait records that lookup a waits for lookup b. Called with r.mu held.
func (r *run) addWait(a, b *lookupState) {
	if r.waits[a] == nil {
		r.waits[a] = map[*lookupState]int{}
	}
	r.waits[a][b]++
}

// reaches reports whether lookup from waits, directly or not, for lookup
// to. Called with r.mu held.
func (r *run) reaches(from, to *lookupState) bool {
	seen := map[*lookupState]bool{}
	var walk func(*lookupState) bool
	walk = func(x *lookupState) bool {
		if x == to {
			return true
		}
		if seen[x] {
			return false
		}
		seen[x] = true
		for y := range r.waits[x] {
			if walk(y) {
				return true
			}
		}
		return false
	}
	return walk(from)
}

// followCNAME starts the lookup of an alias target, unless that would loop
// or exceed the CNAME budget. It returns the lookup it started, or
// (-1 and) the lookup another branch had started for the same target.
func (r *run) followCNAME(lk *lookupState, st *Step, c Classification) (int, int, string, CNAMEStop) {
	chain := append(append([]string{}, lk.chain...), c.Chain...)
	seen := map[string]int{}
	for _, n := range chain {
		seen[n]++
		if seen[n] > 1 {
			return -1, 0, "CNAME loop: " + strings.Join(chain, " → "), CNAMELoop
		}
	}
	if len(chain)-1 > r.cfg.Budget.CNAMEHops {
		r.limit(BudgetCNAMEHops, fmt.Sprintf("more than %d CNAMEs in a chain", r.cfg.Budget.CNAMEHops), st.ID)
		return -1, 0, "CNAME chain longer than the budget of " + fmt.Sprint(r.cfg.Budget.CNAMEHops), CNAMEHops
	}
	// Alias forks that lead to the same name go on as one lookup: one
	// that resolves the same target for the same waiter, from the same
	// cut, at the same depth of the chain.
	known := map[string][]NSHost{".": r.roots}
	for z, h := range lk.known {
		known[z] = h
	}
	r.nsMu.Lock()
	r.mu.Lock()
	r.pathCuts(known, st.ID, true)
	zone, hosts := startCut(c.Target, known)
	var names []string
	for _, h := range hosts {
		names = append(names, h.Name)
	}
	key := fmt.Sprintf("%s|%d|%d|%s|%s|%d", c.Target, lk.qtype, lk.publish.l.ID, zone, strings.Join(names, ","), len(chain))
	if cached := r.aliases[key]; cached != nil && !r.reaches(cached, lk) {
		r.requesters[cached.l.ID] = append(r.requesters[cached.l.ID], st.ID)
		r.addWait(lk, cached)
		r.mu.Unlock()
		r.nsMu.Unlock()
		lk.wg.Add(1)
		go func() {
			<-cached.done
			r.wait(lk, cached, false)
			lk.wg.Done()
		}()
		return -1, cached.l.ID, fmt.Sprintf("alias to %s, followed once: lookup %d", c.Target, cached.l.ID), ""
	}
	r.mu.Unlock()
	lk.wg.Add(1)
	sub := r.startLookup(c.Target, lk.qtype, ReasonCNAME, lk, st.ID, chain[:len(chain)-1])
	r.mu.Lock()
	r.aliases[key] = sub
	r.mu.Unlock()
	r.nsMu.Unlock()
	return sub.l.ID, 0, "alias to " + c.Target, ""
}

// resolveNS finds the addresses of a glueless name server with sub-lookups,
// reusing what this run already resolved.
// When it finds none, it says why in words and as an NSFailure.
func (r *run) resolveNS(lk *lookupState, st *Step, name string) ([]netip.Addr, []int, string, NSFailure) {
	types := r.cfg.addrTypes()
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
		// Any type of a name this lookup serves is a cycle: the address
		// records of a name are found through the same zones.
		if lk.ancestors[name] || lk.l.Name == name {
			why = append(why, "cycle: resolving "+name+" needs "+st.Zone+", whose servers need "+name)
			failed(NSFailCycle)
			r.mu.Lock()
			for p := lk; p != nil; p = p.starter {
				p.cycleVia[name] = true
				if p.l.Name == name {
					break
				}
			}
			r.mu.Unlock()
			continue
		}
		if lk.depth+1 > r.cfg.Budget.GluelessDepth {
			r.limit(BudgetGluelessDepth, fmt.Sprintf("glueless name servers nested more than %d deep", r.cfg.Budget.GluelessDepth), st.ID)
			why = append(why, "not resolved: glueless depth budget")
			failed(NSFailBudget)
			continue
		}
		// One lookup per name and type, shared by every step that needs
		// it, finished or not: whether it had finished would depend on
		// timing. Waiting for one that waits for us would never end.
		r.nsMu.Lock() // until the lookup is in the cache: one per key
		r.mu.Lock()
		cached := r.nsCache[key]
		if cached != nil {
			r.nsMu.Unlock()
			if !isClosed(cached.done) && r.reaches(cached, lk) {
				r.mu.Unlock()
				why = append(why, "cycle: resolving "+name+" waits for a lookup that waits for "+st.Zone)
				failed(NSFailCycle)
				continue
			}
			r.requesters[cached.l.ID] = append(r.requesters[cached.l.ID], st.ID)
			r.addWait(lk, cached)
			r.mu.Unlock()
			subs = append(subs, cached)
			continue
		}
		if r.targets >= r.cfg.Budget.Targets {
			r.mu.Unlock()
			r.nsMu.Unlock()
			r.limit(BudgetTargets, fmt.Sprintf("no more than %d lookups of name servers' addresses per run", r.cfg.Budget.Targets), st.ID)
			why = append(why, "not resolved: the run's budget of name server lookups")
			failed(NSFailBudget)
			continue
		}
		r.targets++
		r.mu.Unlock()
		sub := r.startLookup(name, t, ReasonNSAddr, lk, st.ID, nil)
		r.mu.Lock()
		r.nsCache[key] = sub
		r.addWait(lk, sub)
		r.mu.Unlock()
		r.nsMu.Unlock()
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
		r.wait(lk, s, false)
		ids = append(ids, s.l.ID)
		r.mu.Lock()
		addrs = append(addrs, s.addrs...)
		switch {
		case len(s.addrs) == 0 && isClosed(s.done) && (s.cycleVia[lk.l.Name] || s.cycleVia[name]):
			// It failed on a cycle through this very lookup.
			why = append(why, "cycle: resolving "+name+" needs "+st.Zone+" again")
			failed(NSFailCycle)
		case len(s.addrs) == 0 && isClosed(s.done):
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
