package trace

import (
	"context"
	"net/netip"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// queryServer sends the step's question to one server address, reports it,
// and surveys the zone at that address once per run.
func (r *run) queryServer(ctx context.Context, lk *lookupState, st *Step, idx int, srv *Server, ap netip.AddrPort, replies chan<- srvReply) {
	surveyKey := st.Zone + "|" + ap.Addr().String()
	r.mu.Lock()
	// A probe's lookup leaves the survey to the steps that need it.
	survey := !lk.side && !r.surveyed[surveyKey]
	if survey {
		r.surveyed[surveyKey] = true
	}
	r.mu.Unlock()
	var surveyWG sync.WaitGroup
	defer surveyWG.Wait() // the step is done when its surveys are
	if survey {
		for _, p := range r.sampleSurvey(st, srv, r.surveyQuestions(st)) {
			p := p
			surveyWG.Add(1)
			go func() {
				defer surveyWG.Done()
				// Survey and probe queries are not cut when the zone has
				// answered: their answers are the evidence of a check.
				q := r.ask(r.ctx, ap, p.name, p.qtype, p.rd, p.purpose)
				if q.OK() {
					q.Class = Classify(p.name, p.qtype, st.Zone, q.Reply).Class
				}
				r.addQuery(st, idx, srv, q)
				if p.purpose == PurposeMX && q.Class == ClassAnswer {
					r.askMXTargets(r.ctx, st, idx, srv, ap, q.Reply)
				}
				if p.purpose == PurposeNS && q.Class == ClassAnswer && r.cfg.Probes {
					r.resolveChildOnly(lk, st, q.Reply)
				}
			}()
		}
	}
	r.probeConformance(st, idx, srv, ap, survey, &surveyWG)
	r.probeTransfer(st, idx, srv, ap, survey, &surveyWG)
	q := r.ask(ctx, ap, st.Name, st.Qtype, false, PurposeResolve)
	c := Classification{Class: ClassError, Why: q.Error}
	if q.OK() {
		c = Classify(st.Name, st.Qtype, st.Zone, q.Reply)
	}
	q.Class = c.Class
	r.addQuery(st, idx, srv, q)
	if q.OK() {
		r.checkProbes(lk, st, c, q.Reply)
	}
	if c.Class == ClassReferral {
		// The child's DS RRset from every parent server that refers to
		// it, asked while the walk goes on.
		surveyWG.Add(1)
		go func() {
			defer surveyWG.Done()
			r.askDS(st, idx, srv, ap, c.Zone)
		}()
	}
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
	if len(todo) > 0 {
		r.delegationChanged(st)
	}
	for _, name := range todo {
		if !r.takeNSResolve(st) {
			r.mu.Lock()
			for i := range st.ChildOnly {
				if st.ChildOnly[i].Name == name {
					st.ChildOnly[i].Error, st.ChildOnly[i].Failure = "not resolved: budget", NSFailBudget
				}
			}
			r.mu.Unlock()
			r.delegationChanged(st)
			continue
		}
		addrs, ids, why, fail := r.resolveNS(lk, st, name)
		r.mu.Lock()
		for i := range st.ChildOnly {
			if st.ChildOnly[i].Name == name {
				st.ChildOnly[i].Lookup, st.ChildOnly[i].Error, st.ChildOnly[i].Failure = ids, why, fail
				for _, a := range addrs {
					st.ChildOnly[i].Addrs = append(st.ChildOnly[i].Addrs, a.String())
				}
			}
		}
		r.mu.Unlock()
		r.delegationChanged(st)
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
		if q.Class == ClassNoData {
			// No IPv4 address: an exchanger with only IPv6 is fine.
			q6 := r.ask(ctx, ap, target, dns.TypeAAAA, false, PurposeMXTarget)
			if q6.OK() {
				q6.Class = Classify(target, dns.TypeAAAA, st.Zone, q6.Reply).Class
			}
			r.addQuery(st, idx, srv, q6)
		}
	}
}

type probe struct {
	purpose Purpose
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
	return append(ps, r.dnssecQuestions(st)...)
}

// Names used by the probes. The recursion probe asks for a name no server
// of a traced zone is authoritative for; only a recursive server answers.
const (
	RecursionProbeName = "ddx-recursion-probe.invalid."
	WildcardProbeLabel = "ddx-wildcard-probe-7f3a"
)
