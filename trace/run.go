package trace

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Run traces (name, qtype) from the root and returns the complete trace.
// If events is non-nil, it receives every event as it happens and is
// closed when Run returns. Cancelling ctx stops the trace early; what was
// recorded so far is returned.
func Run(ctx context.Context, cfg Config, name string, qtype uint16, events chan<- Event) (*Trace, error) {
	if events != nil {
		defer close(events)
	}
	fq, uni, err := ParseName(name)
	if err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, cfg.Budget.Deadline)
	defer cancel()
	r := &run{
		cfg:        cfg,
		ctx:        ctx,
		events:     events,
		start:      cfg.Now(),
		sem:        make(chan struct{}, cfg.InFlight),
		waits:      map[*lookupState]map[*lookupState]int{},
		requesters: map[int][]int{},
		surveyed:   map[string]bool{},
		nsCache:    map[string]*lookupState{},
		limits:     map[BudgetName]bool{},
		nsResolved: map[int]int{},
		asked:      map[string]*asked{},
		joins:      map[string]*Step{},
		aliases:    map[string]*lookupState{},
		sides:      map[string]*lookupState{},
		probed:     map[string]bool{},
		tr: &Trace{
			Schema:  SchemaVersion,
			Query:   Question{Name: fq, Unicode: uni, Type: dns.Type(qtype).String(), Qtype: qtype},
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
	r.roots = roots
	r.startLookup(fq, qtype, ReasonQuery, nil, -1, nil)
	r.wg.Wait()
	r.checkPTR()
	if ctx.Err() == context.DeadlineExceeded {
		r.limit(BudgetDeadline, fmt.Sprintf("the run's deadline of %s passed", cfg.Budget.Deadline), -1)
	}
	r.stopped = r.stopReason()
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

	nsMu        sync.Mutex // serialises starting shared NS address lookups
	mu          sync.Mutex
	tr          *Trace
	roots       []NSHost
	waits       map[*lookupState]map[*lookupState]int // lookup → lookups it waits for
	requesters  map[int][]int                         // lookup → steps that wait for it
	surveyed    map[string]bool                       // zone|address already surveyed
	nsCache     map[string]*lookupState               // name|type → lookup of a name server's address
	limits      map[BudgetName]bool
	nsResolved  map[int]int             // step → glueless NS names resolved
	asked       map[string]*asked       // address|question → the run's record of it
	joins       map[string]*Step        // lookup|zone|NS set → the step that asks it
	joinMu      sync.Mutex              // held from looking a join up to registering its step
	aliases     map[string]*lookupState // CNAME target|cut|depth → its lookup
	sideMu      sync.Mutex              // serialises starting the probes' lookups
	sides       map[string]*lookupState // reason|name|type → a probe's lookup (soaprobes.go)
	probed      map[string]bool         // step|probe already started
	kept        int                     // bytes of replies kept
	xfrBytes    int                     // bytes read by zone transfers
	targets     int                     // NS address lookups started
	stopped     BudgetName              // what ended the run early, set before finish
	queries     int
	inflight    int
	maxInflight int
	attempts    int
	timeouts    int
	qid         int
}

func (r *run) summary() Summary {
	s := Summary{Port: int(r.cfg.port()), TimeoutMs: ms(r.cfg.Timeout), Tries: r.cfg.Tries,
		IPv4: !r.cfg.NoIPv4, IPv6: !r.cfg.NoIPv6, Probes: r.cfg.Probes, PTR: r.cfg.PTR, Roots: []string{}}
	s.DNSSEC = r.dnssecConfig()
	for _, h := range r.cfg.Roots {
		for _, a := range h.Addrs {
			s.Roots = append(s.Roots, a.String())
		}
	}
	return s
}

// stopReason says what stopped the run early, if anything did: the query
// budget, the deadline, or a cancel.
func (r *run) stopReason() BudgetName {
	r.mu.Lock()
	spent := r.limits[BudgetQueries]
	r.mu.Unlock()
	switch {
	case spent:
		return BudgetQueries
	case errors.Is(r.ctx.Err(), context.DeadlineExceeded):
		return BudgetDeadline
	case r.ctx.Err() != nil:
		return StopCancelled
	}
	return ""
}

func (r *run) countQuestion() {
	r.mu.Lock()
	r.queries++
	r.mu.Unlock()
}

// packetsLeft reports whether the query budget allows another packet.
func (r *run) packetsLeft() bool {
	r.mu.Lock()
	ok := r.attempts < r.cfg.Budget.Queries
	r.mu.Unlock()
	if !ok {
		r.limitQueries()
	}
	return ok
}

// takePacket counts one packet against the query budget, which counts
// packets sent (every try, fallback and confirmation), not questions.
func (r *run) takePacket() bool {
	r.mu.Lock()
	ok := r.attempts < r.cfg.Budget.Queries
	if ok {
		r.attempts++
	}
	r.mu.Unlock()
	if !ok {
		r.limitQueries()
	}
	return ok
}

func (r *run) limitQueries() {
	r.limit(BudgetQueries, fmt.Sprintf("no more than %d queries (packets sent) per run", r.cfg.Budget.Queries), -1)
}

func (r *run) inFlight(d int) {
	r.mu.Lock()
	r.inflight += d
	if r.inflight > r.maxInflight {
		r.maxInflight = r.inflight
	}
	r.mu.Unlock()
}

func (r *run) countTimeout() {
	r.mu.Lock()
	r.timeouts++
	r.mu.Unlock()
}

// limit records a budget that was hit, once per budget.
func (r *run) limit(budget BudgetName, detail string, step int) {
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
