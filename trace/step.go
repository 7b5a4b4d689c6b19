package trace

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// StragglerFloor is the least time a zone's silent servers get after the
// first usable reply from one of its servers (ten times that reply's RTT
// when longer). A server this much slower than its peers is dead to
// resolvers; waiting longer would make one dead server cost every trace
// tries × timeout.
const StragglerFloor = time.Second

var errStraggler = errors.New("the zone's other servers had answered")

// newStep records a step, or returns nil when the step budget is spent.
func (r *run) newStep(lk *lookupState, parent int, zone, name string, qtype uint16, d Delegation) *Step {
	r.mu.Lock()
	if len(r.tr.Steps) >= r.cfg.Budget.Steps {
		r.mu.Unlock()
		r.limit(BudgetSteps, fmt.Sprintf("no more than %d zone cuts per run", r.cfg.Budget.Steps), parent)
		return nil
	}
	if d.NS == nil {
		d.NS = []NSHost{}
	}
	st := &Step{ID: len(r.tr.Steps), Lookup: lk.l.ID, Parent: parent, Zone: zone, Name: name,
		Type: dns.Type(qtype).String(), Qtype: qtype, Delegation: d, Servers: []*Server{}, Results: []*Result{}}
	r.tr.Steps = append(r.tr.Steps, st)
	head := st.head()
	r.mu.Unlock()
	r.emit(Event{Kind: EvStepStarted, Step: head, StepID: st.ID})
	return st
}

// head is a deep copy of a step without its servers and results, for an
// event: the engine goes on filling in the delegation (addresses of
// glueless servers, the parents that gave it) while the receiver reads its
// copy. Called with r.mu held.
func (st *Step) head() *Step {
	h := *st
	h.Servers, h.Results = nil, nil
	h.Delegation.From = append([]string(nil), st.Delegation.From...)
	h.Delegation.NS = copyHosts(st.Delegation.NS)
	h.ChildOnly = copyHosts(st.ChildOnly)
	h.Skipped = append([]string(nil), st.Skipped...)
	return &h
}

func copyHosts(hs []NSHost) []NSHost {
	if hs == nil {
		return nil
	}
	out := make([]NSHost, len(hs))
	for i, h := range hs {
		out[i] = NSHost{Name: h.Name, Glue: append([]string(nil), h.Glue...), Addrs: append([]string(nil), h.Addrs...),
			Lookup: append([]int(nil), h.Lookup...), Error: h.Error, Failure: h.Failure}
	}
	return out
}

// delegationChanged sends a fresh copy of a step's delegation.
func (r *run) delegationChanged(st *Step) {
	r.mu.Lock()
	head := st.head()
	r.mu.Unlock()
	r.emit(Event{Kind: EvDelegation, Step: head, StepID: st.ID})
}

type srvReply struct {
	srv *Server
	q   *Query
	c   Classification
}

// goStep runs a step in its own goroutine, counted by its lookup and the run.
func (r *run) goStep(lk *lookupState, st *Step) {
	lk.wg.Add(1)
	r.wg.Add(1)
	go r.runStep(lk, st)
}

// runStep asks every address of every name server of the step's zone, and
// follows each distinct usable reply as soon as it arrives.
func (r *run) runStep(lk *lookupState, st *Step) {
	defer r.wg.Done()
	defer lk.wg.Done()

	replies := make(chan srvReply)
	// Once the zone has a usable reply, servers still silent long after it
	// are cut, as resolvers do: their queries end as timeouts.
	stepCtx, cut := context.WithCancelCause(r.ctx)
	var cutOnce sync.Once
	var hostsWG, srvWG sync.WaitGroup
	var seenMu sync.Mutex
	seen := map[string]bool{}
	addServer := func(name, addr string) {
		a, err := netip.ParseAddr(addr)
		if err != nil {
			return
		}
		if !r.cfg.familyOK(a) {
			r.mu.Lock()
			st.Skipped = append(st.Skipped, name+" "+addr+": address family not in use")
			r.mu.Unlock()
			return
		}
		seenMu.Lock()
		key := name + "|" + addr
		dup := seen[key]
		seen[key] = true
		seenMu.Unlock()
		if dup {
			return
		}
		srv := &Server{Name: name, Address: a.String(), Queries: []*Query{}}
		r.mu.Lock()
		idx := len(st.Servers)
		st.Servers = append(st.Servers, srv)
		scopy := *srv
		scopy.Queries = nil
		r.mu.Unlock()
		r.emit(Event{Kind: EvServerAdded, StepID: st.ID, ServerIndex: idx, Server: &scopy})
		srvWG.Add(1)
		go func() {
			defer srvWG.Done()
			r.queryServer(stepCtx, lk, st, idx, srv, netip.AddrPortFrom(a, r.cfg.port()), replies)
		}()
	}

	r.mu.Lock()
	hosts := copyHosts(st.Delegation.NS)
	omitted := st.Delegation.Omitted
	r.mu.Unlock()
	if len(hosts)+omitted > r.cfg.Budget.NSPerZone {
		r.limit(BudgetNSPerZone, fmt.Sprintf("%s has %d name servers; only the first %d are used", st.Zone, len(hosts)+omitted, r.cfg.Budget.NSPerZone), st.ID)
		hosts = hosts[:min(len(hosts), r.cfg.Budget.NSPerZone)]
	}
	// A cut with more addresses than the budget is asked through the
	// first k addresses of each name (in address order).
	k := r.perName(len(hosts))
	r.planSample(st, hosts, k, len(hosts)+omitted > r.cfg.Budget.NSPerZone)
	addHost := func(i int, name string, addrs []string) {
		var usable []string
		for _, a := range addrs {
			if pa, err := netip.ParseAddr(a); err == nil && r.cfg.familyOK(pa) {
				usable = append(usable, a)
			} else {
				addServer(name, a) // recorded as skipped
			}
		}
		pick, left := sampleAddrs(usable, k)
		r.mu.Lock()
		trimmed := st.glueLeft[name] // glue the kept referral left out
		r.mu.Unlock()
		if left+trimmed > 0 {
			r.sampled(st, name, left+trimmed, len(usable)+trimmed, k)
		}
		r.mu.Lock()
		for j, a := range pick {
			if pa, err := netip.ParseAddr(a); err == nil {
				st.sample[pa.String()] = i*k + j
			}
		}
		r.mu.Unlock()
		for _, a := range pick {
			addServer(name, a)
		}
	}
	for i := range hosts {
		h := hosts[i]
		if len(h.Addrs) > 0 {
			addHost(i, h.Name, h.Addrs)
			continue
		}
		if !r.takeNSResolve(st) {
			r.setHostError(st, i, "not resolved: budget", NSFailBudget)
			continue
		}
		hostsWG.Add(1)
		go func(i int, name string) {
			defer hostsWG.Done()
			addrs, ids, why, fail := r.resolveNS(lk, st, name)
			r.mu.Lock()
			if i < len(st.Delegation.NS) {
				st.Delegation.NS[i].Lookup = ids
				st.Delegation.NS[i].Error, st.Delegation.NS[i].Failure = why, fail
				for _, a := range addrs {
					st.Delegation.NS[i].Addrs = append(st.Delegation.NS[i].Addrs, a.String())
				}
			}
			r.mu.Unlock()
			r.delegationChanged(st)
			var list []string
			for _, a := range addrs {
				list = append(list, a.String())
			}
			addHost(i, name, list)
		}(i, h.Name)
	}
	go func() {
		hostsWG.Wait()
		srvWG.Wait()
		close(replies)
	}()

	groups := map[string]*Result{}
	var failures []srvReply
	for rep := range replies {
		if !Usable(rep.c.Class) {
			failures = append(failures, rep)
			continue
		}
		cutOnce.Do(func() {
			wait := max(r.cfg.StragglerFloor, 10*time.Duration(rep.q.RTTms*float64(time.Millisecond)))
			if wait < r.cfg.Timeout*time.Duration(r.cfg.Tries) {
				time.AfterFunc(wait, func() { cut(errStraggler) })
			}
		})
		key := groupKey(rep.c)
		r.mu.Lock()
		g, ok := groups[key]
		if ok {
			g.Servers = append(g.Servers, rep.srv.Label())
			var child *Step
			if g.Next >= 0 || g.SameAs > 0 {
				child = r.tr.Steps[max(g.Next, g.SameAs)]
				child.Delegation.From = append(child.Delegation.From, rep.srv.Label())
			}
			gc := g.copy()
			r.mu.Unlock()
			r.emit(Event{Kind: EvResult, StepID: st.ID, Result: gc})
			if child != nil {
				r.delegationChanged(child)
				r.askParentSideDS(st, rep.srv, child)
			}
			continue
		}
		g = &Result{Kind: ResultKind(rep.c.Class), Servers: []string{rep.srv.Label()}, Next: -1, Lookup: -1, Why: rep.c.Why}
		groups[key] = g
		r.mu.Unlock()
		switch rep.c.Class {
		case ClassReferral:
			g.Zone, g.NS = rep.c.Zone, rep.c.NS
			// Branches of one lookup that reach the same zone with the
			// same NS set go on as one: the step already asking it.
			// The lookup and the creation of the step are one act, or two
			// branches arriving together would both create it.
			join := fmt.Sprintf("%d|%s", lk.l.ID, key)
			r.joinMu.Lock()
			r.mu.Lock()
			same := r.joins[join]
			if same != nil {
				same.Delegation.From = append(same.Delegation.From, rep.srv.Label())
			}
			r.mu.Unlock()
			if same != nil {
				r.joinMu.Unlock()
				g.SameAs = same.ID
				r.delegationChanged(same)
				break
			}
			if child := r.referral(lk, st, rep); child != nil {
				g.Next = child.ID
				r.mu.Lock()
				r.joins[join] = child
				r.mu.Unlock()
			}
			r.joinMu.Unlock()
		case ClassCNAME:
			g.Target = rep.c.Target
			g.Records = rrStrings(rep.c.Records)
			g.Lookup, g.SameLookup, g.Why, g.CNAMEStop = r.followCNAME(lk, st, rep.c)
		case ClassAnswer:
			g.Records = rrStrings(rep.c.Records)
			if hops := len(lk.chain) - 1 + len(rep.c.Chain); hops > r.cfg.Budget.CNAMEHops {
				r.limit(BudgetCNAMEHops, fmt.Sprintf("more than %d CNAMEs in a chain", r.cfg.Budget.CNAMEHops), st.ID)
				g.Kind, g.Why, g.CNAMEStop = KindFailed, fmt.Sprintf("CNAME chain of %d hops is longer than the budget of %d", hops, r.cfg.Budget.CNAMEHops), CNAMEHops
				break
			}
			lk.publishAnswer(rep.c.Records)
			if child := r.childOnParentServers(lk, st, rep); child != nil {
				g.Next = child.ID
			}
		case ClassNoData, ClassNXDomain:
			if child := r.childOnParentServers(lk, st, rep); child != nil {
				g.Next = child.ID
			}
		}
		r.mu.Lock()
		st.Results = append(st.Results, g)
		gc := g.copy()
		r.mu.Unlock()
		r.emit(Event{Kind: EvResult, StepID: st.ID, Result: gc})
	}
	cut(nil) // every query of the step has ended
	if len(groups) == 0 {
		g := &Result{Kind: KindFailed, Next: -1, Lookup: -1, Why: failureWhy(st, failures), Incomplete: r.cutShort(failures)}
		for _, f := range failures {
			g.Servers = append(g.Servers, f.srv.Label())
		}
		r.mu.Lock()
		st.Results = append(st.Results, g)
		gc := g.copy()
		r.mu.Unlock()
		r.emit(Event{Kind: EvResult, StepID: st.ID, Result: gc})
	}
}

func (g *Result) copy() *Result {
	c := *g
	c.Servers = append([]string{}, g.Servers...)
	return &c
}

func groupKey(c Classification) string {
	switch c.Class {
	case ClassReferral:
		return "referral " + c.Zone + " " + strings.Join(c.NS, ",")
	case ClassCNAME:
		return "cname " + c.Target
	case ClassAnswer:
		recs := rrStrings(c.Records)
		for i := range recs {
			recs[i] = rdataKey(recs[i])
		}
		sort.Strings(recs)
		return "answer " + strings.Join(recs, "|")
	}
	return c.Class
}

// rdataKey drops the TTL from a record's presentation so that answers that
// differ only in TTL count as the same answer.
func rdataKey(s string) string {
	f := strings.Fields(s)
	if len(f) > 2 {
		f = append(f[:1], f[2:]...)
	}
	return strings.ToLower(strings.Join(f, " "))
}

// cutShort says which budget (or cancel) made a step fail, when one did:
// some of its servers were not asked, or not waited for, because the run
// was stopped.
func (r *run) cutShort(failures []srvReply) BudgetName {
	stop := r.stopReason()
	if stop == "" {
		return ""
	}
	if len(failures) == 0 {
		return stop
	}
	for _, f := range failures {
		switch f.q.ErrorKind {
		case ErrKindBudget, ErrKindCancelled, ErrKindAbandoned:
			return stop
		}
	}
	return ""
}

// takeNSResolve counts one glueless name server resolved for a step
// (from the delegation or published only by the child) against the
// per-delegation budget.
func (r *run) takeNSResolve(st *Step) bool {
	r.mu.Lock()
	ok := r.nsResolved[st.ID] < r.cfg.Budget.NSResolved
	if ok {
		r.nsResolved[st.ID]++
	}
	r.mu.Unlock()
	if !ok {
		r.limit(BudgetNSResolved, fmt.Sprintf("only %d glueless name servers of %s are resolved", r.cfg.Budget.NSResolved, st.Zone), st.ID)
	}
	return ok
}

// failureWhy summarises why no server of a step gave a usable reply.
func failureWhy(st *Step, failures []srvReply) string {
	if len(failures) == 0 {
		if len(st.Delegation.NS) == 0 {
			return "no name servers to ask"
		}
		return "no address for any name server of " + st.Zone
	}
	counts := map[string]int{}
	for _, f := range failures {
		k := f.c.Class
		if f.q.ErrorKind != "" {
			k = string(f.q.ErrorKind)
		} else if f.c.Why != "" && k == ClassLame {
			k = "lame (" + f.c.Why + ")"
		}
		counts[k]++
	}
	var parts []string
	for k, n := range counts {
		parts = append(parts, fmt.Sprintf("%s from %d", k, n))
	}
	sort.Strings(parts)
	return "no usable reply from any server of " + st.Zone + ": " + strings.Join(parts, ", ")
}

func (r *run) setHostError(st *Step, i int, why string, fail NSFailure) {
	r.mu.Lock()
	st.Delegation.NS[i].Error, st.Delegation.NS[i].Failure = why, fail
	r.mu.Unlock()
	r.delegationChanged(st)
}

func (r *run) addQuery(st *Step, idx int, srv *Server, q *Query) {
	stop := r.stopReason()
	r.mu.Lock()
	if stop != "" && (q.ErrorKind == ErrKindBudget || q.ErrorKind == ErrKindCancelled || q.ErrorKind == ErrKindAbandoned && r.ctx.Err() != nil) && st.Incomplete == "" {
		st.Incomplete = stop
	}
	q.ID = r.qid
	r.qid++
	srv.Queries = append(srv.Queries, q)
	qc := *q
	r.mu.Unlock()
	r.emit(Event{Kind: EvQueryDone, StepID: st.ID, ServerIndex: idx, Query: &qc})
}

// referral starts the step for the child zone a referral points to.
func (r *run) referral(lk *lookupState, st *Step, rep srvReply) *Step {
	c := rep.c
	var hosts []NSHost
	for _, n := range c.NS {
		h := NSHost{Name: n}
		for _, a := range c.Glue[n] {
			h.Glue = append(h.Glue, a.String())
			h.Addrs = append(h.Addrs, a.String())
		}
		hosts = append(hosts, h)
	}
	d := Delegation{Source: "referral", From: []string{rep.srv.Label()}, NS: hosts, Omitted: rep.q.left.ns, TTL: c.NSTTL, Raw: rep.q.Reply}
	child := r.newStep(lk, st.ID, c.Zone, st.Name, st.Qtype, d)
	if child == nil {
		return nil
	}
	r.mu.Lock()
	child.glueLeft = rep.q.left.glue
	r.mu.Unlock()
	r.goStep(lk, child)
	return child
}
