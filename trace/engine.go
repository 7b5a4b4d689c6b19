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

// ErrBadName means the name to trace is not a valid domain name.
var ErrBadName = errors.New("invalid domain name")

// CanonicalName checks a presentation-format name and returns it as a
// lower-case FQDN.
func CanonicalName(name string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("%w: empty name", ErrBadName)
	}
	fq := dns.Fqdn(name)
	if _, ok := dns.IsDomainName(fq); !ok || strings.Contains(fq, "..") && fq != "." {
		return "", fmt.Errorf("%w: %q", ErrBadName, name)
	}
	if l := len(fq); l > 254 {
		return "", fmt.Errorf("%w: %q is longer than 253 characters", ErrBadName, name)
	}
	for _, label := range dns.SplitDomainName(fq) {
		if len(label) > 63 {
			return "", fmt.Errorf("%w: label %q is longer than 63 characters", ErrBadName, label)
		}
	}
	return strings.ToLower(fq), nil
}

// Run traces (name, qtype) from the root and returns the complete trace.
// If events is non-nil, it receives every event as it happens and is
// closed when Run returns. Cancelling ctx stops the trace early; what was
// recorded so far is returned.
func Run(ctx context.Context, cfg Config, name string, qtype uint16, events chan<- Event) (*Trace, error) {
	if events != nil {
		defer close(events)
	}
	fq, err := CanonicalName(name)
	if err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, cfg.Budget.Deadline)
	defer cancel()
	r := &run{
		cfg:      cfg,
		ctx:      ctx,
		events:   events,
		start:    cfg.Now(),
		sem:      make(chan struct{}, cfg.InFlight),
		cuts:     map[string][]NSHost{},
		surveyed: map[string]bool{},
		nsCache:  map[string]*lookupState{},
		limits:   map[string]bool{},
		tr: &Trace{
			Query:   Question{Name: fq, Type: typeString(qtype), Qtype: qtype},
			Lookups: []*Lookup{},
			Steps:   []*Step{},
			Limits:  []Limit{},
		},
	}
	r.tr.Config = r.summary()
	var roots []NSHost
	for _, h := range cfg.Roots {
		host := NSHost{Name: strings.ToLower(dns.Fqdn(h.Name))}
		for _, a := range h.Addrs {
			host.Addrs = append(host.Addrs, a.String())
		}
		roots = append(roots, host)
	}
	r.cuts["."] = roots
	r.startLookup(fq, qtype, ReasonQuery, nil, -1, nil)
	r.wg.Wait()
	if ctx.Err() == context.DeadlineExceeded {
		r.limit("deadline", fmt.Sprintf("the run's deadline of %s passed", cfg.Budget.Deadline), -1)
	}
	r.finish()
	return r.tr, nil
}

type run struct {
	cfg    Config
	ctx    context.Context
	events chan<- Event
	start  time.Time
	sem    chan struct{}
	wg     sync.WaitGroup

	mu          sync.Mutex
	tr          *Trace
	cuts        map[string][]NSHost     // zone → servers learned in this run
	surveyed    map[string]bool         // zone|address already surveyed
	nsCache     map[string]*lookupState // name|type → lookup of a name server's address
	limits      map[string]bool
	queries     int
	inflight    int
	maxInflight int
	attempts    int
	timeouts    int
	qid         int
}

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

func (r *run) summary() Summary {
	s := Summary{Port: int(r.cfg.port()), TimeoutMs: ms(r.cfg.Timeout), Tries: r.cfg.Tries,
		IPv4: !r.cfg.NoIPv4, IPv6: !r.cfg.NoIPv6, Probes: r.cfg.Probes, Roots: []string{}}
	for _, h := range r.cfg.Roots {
		for _, a := range h.Addrs {
			s.Roots = append(s.Roots, a.String())
		}
	}
	return s
}

// startLookup begins resolving (name, qtype) from the deepest zone cut this
// run already knows.
func (r *run) startLookup(name string, qtype uint16, reason string, parent *lookupState, fromStep int, chain []string) *lookupState {
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
	lk.l = &Lookup{ID: len(r.tr.Lookups), Name: name, Type: typeString(qtype), Reason: reason, Parent: pid, FromStep: fromStep}
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

// newStep records a step, or returns nil when the step budget is spent.
func (r *run) newStep(lk *lookupState, parent int, zone, name string, qtype uint16, d Delegation) *Step {
	r.mu.Lock()
	if len(r.tr.Steps) >= r.cfg.Budget.Steps {
		r.mu.Unlock()
		r.limit("steps", fmt.Sprintf("no more than %d zone cuts per run", r.cfg.Budget.Steps), parent)
		return nil
	}
	if d.NS == nil {
		d.NS = []NSHost{}
	}
	st := &Step{ID: len(r.tr.Steps), Lookup: lk.l.ID, Parent: parent, Zone: zone, Name: name,
		Type: typeString(qtype), Qtype: qtype, Delegation: d, Servers: []*Server{}, Results: []*Result{}}
	r.tr.Steps = append(r.tr.Steps, st)
	head := *st
	head.Servers, head.Results = nil, nil
	r.mu.Unlock()
	r.emit(Event{Kind: EvStepStarted, Step: &head, StepID: st.ID})
	return st
}

type srvReply struct {
	srv *Server
	q   *Query
	c   Classification
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

	hosts := st.Delegation.NS
	if len(hosts) > r.cfg.Budget.NSPerZone {
		r.limit("ns-per-zone", fmt.Sprintf("%s has %d name servers; only the first %d are used", st.Zone, len(hosts), r.cfg.Budget.NSPerZone), st.ID)
		hosts = hosts[:r.cfg.Budget.NSPerZone]
	}
	resolving := 0
	for i := range hosts {
		h := hosts[i]
		if len(h.Addrs) > 0 {
			for _, a := range h.Addrs {
				addServer(h.Name, a)
			}
			continue
		}
		if resolving >= r.cfg.Budget.NSResolved {
			r.limit("ns-resolved", fmt.Sprintf("only %d glueless name servers of %s are resolved", r.cfg.Budget.NSResolved, st.Zone), st.ID)
			r.setHostError(st, i, "not resolved: budget")
			continue
		}
		resolving++
		hostsWG.Add(1)
		go func(i int, name string) {
			defer hostsWG.Done()
			addrs, ids, why := r.resolveNS(lk, st, name)
			r.mu.Lock()
			if i < len(st.Delegation.NS) {
				st.Delegation.NS[i].Lookup = ids
				st.Delegation.NS[i].Error = why
				for _, a := range addrs {
					st.Delegation.NS[i].Addrs = append(st.Delegation.NS[i].Addrs, a.String())
				}
			}
			r.mu.Unlock()
			for _, a := range addrs {
				addServer(name, a.String())
			}
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
			wait := max(StragglerFloor, 10*time.Duration(rep.q.RTTms*float64(time.Millisecond)))
			if wait < r.cfg.Timeout*time.Duration(r.cfg.Tries) {
				time.AfterFunc(wait, func() { cut(errStraggler) })
			}
		})
		key := groupKey(rep.c)
		r.mu.Lock()
		g, ok := groups[key]
		if ok {
			g.Servers = append(g.Servers, rep.srv.Label())
			if g.Next >= 0 {
				child := r.tr.Steps[g.Next]
				child.Delegation.From = append(child.Delegation.From, rep.srv.Label())
			}
			gc := g.copy()
			r.mu.Unlock()
			r.emit(Event{Kind: EvResult, StepID: st.ID, Result: gc})
			continue
		}
		g = &Result{Kind: rep.c.Class, Servers: []string{rep.srv.Label()}, Next: -1, Lookup: -1, Why: rep.c.Why}
		groups[key] = g
		r.mu.Unlock()
		switch rep.c.Class {
		case ClassReferral:
			g.Zone, g.NS = rep.c.Zone, rep.c.NS
			if child := r.referral(lk, st, rep); child != nil {
				g.Next = child.ID
			}
		case ClassCNAME:
			g.Target = rep.c.Target
			g.Records = rrStrings(rep.c.Records)
			g.Lookup, g.Why = r.followCNAME(lk, st, rep.c)
		case ClassAnswer:
			g.Records = rrStrings(rep.c.Records)
			if hops := len(lk.chain) - 1 + len(rep.c.Chain); hops > r.cfg.Budget.CNAMEHops {
				r.limit("cname-hops", fmt.Sprintf("more than %d CNAMEs in a chain", r.cfg.Budget.CNAMEHops), st.ID)
				g.Kind, g.Why = KindFailed, fmt.Sprintf("CNAME chain of %d hops is longer than the budget of %d", hops, r.cfg.Budget.CNAMEHops)
				break
			}
			lk.publishAnswer(rep.c.Records)
		}
		r.mu.Lock()
		st.Results = append(st.Results, g)
		gc := g.copy()
		r.mu.Unlock()
		r.emit(Event{Kind: EvResult, StepID: st.ID, Result: gc})
	}
	cut(nil) // every query of the step has ended
	if len(groups) == 0 {
		g := &Result{Kind: KindFailed, Next: -1, Lookup: -1, Why: failureWhy(st, failures)}
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
			k = f.q.ErrorKind
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

func (r *run) setHostError(st *Step, i int, why string) {
	r.mu.Lock()
	st.Delegation.NS[i].Error = why
	r.mu.Unlock()
}

// queryServer sends the step's question to one server address, reports it,
// and surveys the zone at that address once per run.
func (r *run) queryServer(ctx context.Context, lk *lookupState, st *Step, idx int, srv *Server, ap netip.AddrPort, replies chan<- srvReply) {
	surveyKey := st.Zone + "|" + ap.Addr().String()
	r.mu.Lock()
	survey := !r.surveyed[surveyKey]
	r.surveyed[surveyKey] = true
	r.mu.Unlock()
	var surveyWG sync.WaitGroup
	defer surveyWG.Wait() // the step is done when its surveys are
	if survey {
		for _, p := range r.surveyQuestions(st) {
			p := p
			surveyWG.Add(1)
			go func() {
				defer surveyWG.Done()
				q := r.ask(ctx, ap, p.name, p.qtype, p.rd, p.purpose)
				if q.OK() {
					q.Class = Classify(p.name, p.qtype, st.Zone, q.Reply).Class
				}
				r.addQuery(st, idx, srv, q)
				if p.purpose == PurposeMX && q.Class == ClassAnswer {
					r.askMXTargets(ctx, st, idx, srv, ap, q.Reply)
				}
				if p.purpose == PurposeNS && q.Class == ClassAnswer && r.cfg.Probes {
					r.resolveChildOnly(lk, st, q.Reply)
				}
			}()
		}
	}
	q := r.ask(ctx, ap, st.Name, st.Qtype, false, PurposeResolve)
	c := Classification{Class: ClassError, Why: q.Error}
	if q.OK() {
		c = Classify(st.Name, st.Qtype, st.Zone, q.Reply)
	}
	q.Class = c.Class
	r.addQuery(st, idx, srv, q)
	replies <- srvReply{srv: srv, q: q, c: c}
}

// resolveChildOnly resolves the NS names a child server publishes that
// the delegation does not list, once per name per step.
func (r *run) resolveChildOnly(lk *lookupState, st *Step, m *dns.Msg) {
	var todo []string
	r.mu.Lock()
	known := map[string]bool{}
	for _, h := range st.Delegation.NS {
		known[h.Name] = true
	}
	for _, h := range st.ChildOnly {
		known[h.Name] = true
	}
	for _, rr := range m.Answer {
		ns, ok := rr.(*dns.NS)
		if !ok || !strings.EqualFold(ns.Hdr.Name, st.Zone) {
			continue
		}
		name := strings.ToLower(ns.Ns)
		if known[name] || len(st.ChildOnly) >= r.cfg.Budget.NSPerZone {
			continue
		}
		known[name] = true
		st.ChildOnly = append(st.ChildOnly, NSHost{Name: name})
		todo = append(todo, name)
	}
	r.mu.Unlock()
	for _, name := range todo {
		addrs, ids, why := r.resolveNS(lk, st, name)
		r.mu.Lock()
		for i := range st.ChildOnly {
			if st.ChildOnly[i].Name == name {
				st.ChildOnly[i].Lookup, st.ChildOnly[i].Error = ids, why
				for _, a := range addrs {
					st.ChildOnly[i].Addrs = append(st.ChildOnly[i].Addrs, a.String())
				}
			}
		}
		r.mu.Unlock()
	}
}

// askMXTargets asks the same server for the address of each in-zone MX
// target, to see whether it is an alias.
func (r *run) askMXTargets(ctx context.Context, st *Step, idx int, srv *Server, ap netip.AddrPort, m *dns.Msg) {
	n := 0
	for _, rr := range m.Answer {
		mx, ok := rr.(*dns.MX)
		if !ok || !IsSubdomain(st.Zone, mx.Mx) || n >= 8 {
			continue
		}
		n++
		target := strings.ToLower(mx.Mx)
		q := r.ask(ctx, ap, target, dns.TypeA, false, PurposeMXTarget)
		if q.OK() {
			q.Class = Classify(target, dns.TypeA, st.Zone, q.Reply).Class
		}
		r.addQuery(st, idx, srv, q)
	}
}

type probe struct {
	purpose string
	name    string
	qtype   uint16
	rd      bool
}

// surveyQuestions are the questions each server of a zone is asked besides
// the name being traced: the zone's SOA and NS, the addresses of its
// in-zone name servers (to check glue), and with Probes recursion and a
// wildcard MX.
func (r *run) surveyQuestions(st *Step) []probe {
	ps := []probe{{PurposeSOA, st.Zone, dns.TypeSOA, false}, {PurposeNS, st.Zone, dns.TypeNS, false}}
	// Other goroutines fill in the hosts' addresses: read the names under
	// the lock.
	r.mu.Lock()
	var names []string
	for _, h := range st.Delegation.NS {
		names = append(names, h.Name)
	}
	r.mu.Unlock()
	for _, name := range names {
		if st.Zone != "." && IsSubdomain(st.Zone, name) {
			if !r.cfg.NoIPv4 {
				ps = append(ps, probe{PurposeAddress, name, dns.TypeA, false})
			}
			if !r.cfg.NoIPv6 {
				ps = append(ps, probe{PurposeAddress, name, dns.TypeAAAA, false})
			}
		}
	}
	if r.cfg.Probes && st.Zone != "." {
		ps = append(ps, probe{PurposeRecursion, RecursionProbeName, dns.TypeA, true})
		ps = append(ps, probe{PurposeWildcard, WildcardProbeLabel + "." + st.Zone, dns.TypeMX, false})
		ps = append(ps, probe{PurposeMX, st.Zone, dns.TypeMX, false})
		ps = append(ps, probe{PurposeTCP, st.Zone, dns.TypeSOA, false})
	}
	return ps
}

// Names used by the probes. The recursion probe asks for a name no server
// of a traced zone is authoritative for; only a recursive server answers.
const (
	RecursionProbeName = "ddx-recursion-probe.invalid."
	WildcardProbeLabel = "ddx-wildcard-probe-7f3a"
)

func (r *run) addQuery(st *Step, idx int, srv *Server, q *Query) {
	r.mu.Lock()
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
	d := Delegation{Source: "referral", From: []string{rep.srv.Label()}, NS: hosts, TTL: c.NSTTL, Raw: rep.q.Reply}
	r.mu.Lock()
	if _, ok := r.cuts[c.Zone]; !ok {
		r.cuts[c.Zone] = hosts
	}
	r.mu.Unlock()
	child := r.newStep(lk, st.ID, c.Zone, st.Name, st.Qtype, d)
	if child == nil {
		return nil
	}
	lk.wg.Add(1)
	r.wg.Add(1)
	go r.runStep(lk, child)
	return child
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
		r.limit("cname-hops", fmt.Sprintf("more than %d CNAMEs in a chain", r.cfg.Budget.CNAMEHops), st.ID)
		return -1, "CNAME chain longer than the budget of " + fmt.Sprint(r.cfg.Budget.CNAMEHops)
	}
	lk.wg.Add(1)
	sub := r.startLookup(c.Target, lk.qtype, ReasonCNAME, lk, st.ID, chain[:len(chain)-1])
	return sub.l.ID, "alias to " + c.Target
}

// resolveNS finds the addresses of a glueless name server with sub-lookups,
// reusing what this run already resolved.
func (r *run) resolveNS(lk *lookupState, st *Step, name string) ([]netip.Addr, []int, string) {
	var types []uint16
	if !r.cfg.NoIPv4 {
		types = append(types, dns.TypeA)
	}
	if !r.cfg.NoIPv6 {
		types = append(types, dns.TypeAAAA)
	}
	var subs []*lookupState
	var why []string
	for _, t := range types {
		key := name + "|" + typeString(t)
		if lk.ancestors[key] || lk.l.Name+"|"+lk.l.Type == key {
			why = append(why, "cycle: resolving "+name+" needs "+st.Zone+", whose servers need "+name)
			continue
		}
		if lk.depth+1 > r.cfg.Budget.GluelessDepth {
			r.limit("glueless-depth", fmt.Sprintf("glueless name servers nested more than %d deep", r.cfg.Budget.GluelessDepth), st.ID)
			why = append(why, "not resolved: glueless depth budget")
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
		}
		r.mu.Unlock()
	}
	if len(addrs) > 0 {
		return addrs, ids, ""
	}
	if len(why) == 0 {
		why = append(why, "no address")
	}
	return nil, ids, strings.Join(why, "; ")
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

func (r *run) takeQuery() bool {
	r.mu.Lock()
	ok := r.queries < r.cfg.Budget.Queries
	if ok {
		r.queries++
	}
	r.mu.Unlock()
	if !ok {
		r.limit("queries", fmt.Sprintf("no more than %d queries per run", r.cfg.Budget.Queries), -1)
	}
	return ok
}

func (r *run) inFlight(d int) {
	r.mu.Lock()
	r.inflight += d
	if r.inflight > r.maxInflight {
		r.maxInflight = r.inflight
	}
	r.mu.Unlock()
}

func (r *run) countAttempt() {
	r.mu.Lock()
	r.attempts++
	r.mu.Unlock()
}

func (r *run) countTimeout() {
	r.mu.Lock()
	r.timeouts++
	r.mu.Unlock()
}

// limit records a budget that was hit, once per budget.
func (r *run) limit(budget, detail string, step int) {
	r.mu.Lock()
	if r.limits[budget] {
		r.mu.Unlock()
		return
	}
	r.limits[budget] = true
	l := Limit{Budget: budget, Detail: detail, Step: step}
	r.tr.Limits = append(r.tr.Limits, l)
	r.mu.Unlock()
	r.emit(Event{Kind: EvLimit, Limit: &l})
}

// emit sends an event unless the run was cancelled. It must be called
// without r.mu held.
func (r *run) emit(ev Event) {
	if r.events == nil {
		return
	}
	r.mu.Lock()
	ev.Queries, ev.InFlight = r.queries, r.inflight
	r.mu.Unlock()
	select {
	case r.events <- ev:
	case <-r.ctx.Done():
	}
}
