package trace

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
)

// Rcodes of an outcome.
const (
	RcodeNoError  = "NOERROR"
	RcodeNoData   = "NODATA"
	RcodeNXDomain = "NXDOMAIN"
	RcodeServFail = "SERVFAIL"
	RcodeDepends  = "DEPENDS"
	// RcodeIncomplete: a budget (--max-queries, --deadline) or a cancel
	// stopped the run before some path reached its end. It is not an
	// outage: the servers were not asked, or not waited for.
	RcodeIncomplete = "INCOMPLETE"
)

// finish sorts the trace into a stable order and computes every outcome.
func (r *run) finish() {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.tr
	r.stabilize()
	for _, st := range t.Steps {
		order := map[string]int{}
		for i, h := range st.Delegation.NS {
			order[h.Name] = i
		}
		sort.SliceStable(st.Servers, func(i, j int) bool {
			a, b := st.Servers[i], st.Servers[j]
			if order[a.Name] != order[b.Name] {
				return order[a.Name] < order[b.Name]
			}
			return addrLess(a.Address, b.Address)
		})
		for _, s := range st.Servers {
			sort.SliceStable(s.Queries, func(i, j int) bool {
				a, b := s.Queries[i], s.Queries[j]
				if purposeRank[a.Purpose] != purposeRank[b.Purpose] {
					return purposeRank[a.Purpose] < purposeRank[b.Purpose]
				}
				return a.Name+a.Type < b.Name+b.Type
			})
		}
		for _, res := range st.Results {
			sort.Strings(res.Servers)
		}
		sort.SliceStable(st.Results, func(i, j int) bool {
			a, b := st.Results[i], st.Results[j]
			return string(a.Kind)+a.Zone+a.Target+strings.Join(a.NS, ",") < string(b.Kind)+b.Zone+b.Target+strings.Join(b.NS, ",")
		})
		sort.Strings(st.Skipped)
		sort.SliceStable(st.ChildOnly, func(i, j int) bool { return st.ChildOnly[i].Name < st.ChildOnly[j].Name })
		sortPrimaries(st)
		sort.Strings(st.Delegation.From)
	}
	for _, l := range t.Lookups {
		l.Outcome = r.outcome(l.ID)
		if l.Reason == ReasonNSAddr || l.Reason == ReasonMNAME || l.Reason == ReasonSiblingGlue || l.Reason == ReasonPTRTarget {
			for _, a := range l.Outcome.Answers {
				if f := strings.Fields(a); len(f) == 5 && (f[3] == "A" || f[3] == "AAAA") {
					l.Addrs = append(l.Addrs, f[4])
				}
			}
		}
	}
	r.ptrVerdicts()
	if len(t.Lookups) > 0 {
		t.Outcome = t.Lookups[0].Outcome
	}
	t.Stats = Stats{Queries: r.queries, Attempts: r.attempts, Timeouts: r.timeouts,
		ElapsedMs: ms(r.cfg.Now().Sub(r.start)), MaxInFlight: r.maxInflight}
}

var purposeRank = map[Purpose]int{PurposeResolve: 0, PurposeSOA: 1, PurposeNS: 2, PurposeAddress: 3, PurposeRecursion: 4, PurposeWildcard: 5, PurposeMX: 6, PurposeMXTarget: 7, PurposeTCP: 8, PurposeDS: 9, PurposeDNSKEY: 10,
	PurposeType: 11, PurposeCase: 12, PurposeEDNS1: 13, PurposeEDNSOption: 14, PurposeEDNSFlags: 15, PurposeEDNSOptList: 16, PurposeAXFR: 17}

func addrLess(a, b string) bool {
	x, errx := netip.ParseAddr(a)
	y, erry := netip.ParseAddr(b)
	if errx != nil || erry != nil {
		return a < b
	}
	return x.Less(y)
}

// outcome says how a lookup ends, over all its branches. Called with r.mu
// held.
func (r *run) outcome(id int) Outcome {
	ends := r.ends(id, map[int]bool{})
	o := Outcome{}
	seen := map[string]bool{}
	var rcodes []string
	for _, e := range ends {
		if !seen[e.Rcode] {
			seen[e.Rcode] = true
			rcodes = append(rcodes, e.Rcode)
		}
	}
	o.Ends = ends
	switch {
	case seen[RcodeIncomplete] || len(rcodes) == 0 && (r.stopped != "" || len(r.tr.Limits) > 0):
		// A path that a budget ended (no step left for a referral or
		// an alias target) says nothing about the servers.
		o.Rcode = RcodeIncomplete
		o.Explanation = "the trace is incomplete: " + r.stopDetail() + ", before every path reached its end"
		var parts []string
		for _, e := range ends {
			if e.Rcode != RcodeIncomplete {
				parts = append(parts, e.Rcode+": "+e.Why)
			}
		}
		if len(parts) > 0 {
			o.Explanation += ". So far: " + strings.Join(parts, "; ")
		}
	case len(rcodes) == 0:
		o.Rcode = RcodeServFail
		o.Explanation = "the trace stopped before reaching any answer"
	case len(rcodes) == 1:
		o.Rcode = rcodes[0]
		o.Explanation = ends[0].Why
		if len(ends) > 1 {
			o.Explanation = fmt.Sprintf("every path ends in %s; %s", rcodes[0], ends[0].Why)
		}
	default:
		o.Rcode = RcodeDepends
		var parts []string
		for _, e := range ends {
			parts = append(parts, e.Rcode+": "+e.Why)
		}
		o.Explanation = "the answer depends on which servers a resolver asks. " + strings.Join(parts, "; ")
	}
	o.Answers = r.answers(id, map[int]bool{})
	return o
}

// answers collects the records of a lookup's answers, CNAMEs included.
func (r *run) answers(id int, visiting map[int]bool) []string {
	if visiting[id] {
		return nil
	}
	visiting[id] = true
	var out []string
	seen := map[string]bool{}
	add := func(list []string) {
		for _, s := range list {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	for _, st := range r.tr.Steps {
		if st.Lookup != id {
			continue
		}
		for _, res := range st.Results {
			switch res.Kind {
			case KindAnswer:
				add(res.Records)
			case KindCNAME:
				add(res.Records)
				if id := max(res.Lookup, res.SameLookup); id > 0 {
					add(r.answers(id, visiting))
				}
			}
		}
	}
	return out
}

// ends lists the distinct ways the paths of a lookup end. Called with r.mu
// held.
func (r *run) ends(id int, visiting map[int]bool) []End {
	if visiting[id] {
		return nil
	}
	visiting[id] = true
	var out []End
	index := map[string]int{}
	add := func(e End) {
		k := e.Rcode + "|" + e.Why
		if st := r.tr.StepByID(e.Step); st != nil && st.Delegation.Source == SourceParentServers {
			k += "|" + st.Zone // a zone on its parent's servers ends apart: its chain of trust is its own
		}
		if i, ok := index[k]; ok {
			out[i].Servers = append(out[i].Servers, e.Servers...)
			return
		}
		index[k] = len(out)
		out = append(out, e)
	}
	for _, st := range r.tr.Steps {
		if st.Lookup != id {
			continue
		}
		for _, res := range st.Results {
			e := End{Step: st.ID, Servers: append([]string{}, res.Servers...)}
			switch res.Kind {
			case KindAnswer:
				e.Rcode = RcodeNoError
				e.Why = fmt.Sprintf("the servers of %s answer %s %s", st.Zone, st.Name, st.Type)
			case KindNXDomain:
				e.Rcode = RcodeNXDomain
				e.Why = fmt.Sprintf("%s says %s does not exist", ServerList(res.Servers), st.Name)
			case KindNoData:
				e.Rcode = RcodeNoData
				e.Why = fmt.Sprintf("%s says %s exists but has no %s records", ServerList(res.Servers), st.Name, st.Type)
			case KindReferral:
				if res.Next >= 0 || res.SameAs > 0 {
					continue // the path goes on at that step
				}
				e.Rcode = RcodeIncomplete
				e.Why = fmt.Sprintf("the referral to %s was not followed (a budget was hit)", res.Zone)
			case KindCNAME:
				id := max(res.Lookup, res.SameLookup)
				if id <= 0 {
					e.Rcode = RcodeServFail
					e.Why = res.Why
					break
				}
				for _, se := range r.ends(id, visiting) {
					se.Why = fmt.Sprintf("%s is an alias for %s; %s", st.Name, res.Target, se.Why)
					add(se)
				}
				continue
			case KindFailed:
				e.Rcode = RcodeServFail
				e.Why = res.Why + r.via(st)
				if res.Incomplete != "" {
					e.Rcode = RcodeIncomplete
					e.Why = fmt.Sprintf("the servers of %s were not all asked or waited for (%s)", st.Zone, res.Incomplete)
				}
			}
			add(e)
		}
	}
	return out
}

// stopDetail says what stopped the run, in words. Called with r.mu held.
func (r *run) stopDetail() string {
	for _, l := range r.tr.Limits {
		if l.Budget == r.stopped {
			return l.Detail
		}
	}
	for _, l := range r.tr.Limits {
		if l.Budget == BudgetSteps {
			return l.Detail
		}
	}
	if r.stopped == StopCancelled {
		return "the run was cancelled"
	}
	return "a budget was hit"
}

// via names the parent servers whose referral led to a step.
func (r *run) via(st *Step) string {
	p := r.tr.StepByID(st.Parent)
	if p == nil {
		return ""
	}
	for _, res := range p.Results {
		if res.Next == st.ID {
			return fmt.Sprintf(", after %s delegated %s", ServerList(res.Servers), st.Zone)
		}
	}
	return ""
}

// ServerList quotes up to three servers, then counts the rest.
func ServerList(s []string) string {
	s = append([]string{}, s...)
	sort.Strings(s)
	if len(s) <= 3 {
		return strings.Join(s, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(s[:3], ", "), len(s)-3)
}
