package diagnose

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// zoneView gathers what a trace saw of one zone: the steps that asked its
// servers, the parent steps that referred to it, and its servers, each
// with every query any step sent it.
type zoneView struct {
	zone    string
	steps   []*trace.Step
	parents []*trace.Step
	servers []*trace.Server
}

// zones returns a view per zone, in the order the trace first met them.
func zones(t *trace.Trace) []*zoneView {
	var out []*zoneView
	index := map[string]*zoneView{}
	for _, st := range t.Steps {
		v := index[st.Zone]
		if v == nil {
			v = &zoneView{zone: st.Zone}
			index[st.Zone] = v
			out = append(out, v)
		}
		v.steps = append(v.steps, st)
		if p := t.StepByID(st.Parent); p != nil && !containsStep(v.parents, p) {
			v.parents = append(v.parents, p)
		}
	}
	// A server address met at several steps of one zone (the query's and
	// sub-lookups') is one server: judge it on everything it was asked.
	for _, v := range out {
		index := map[string]*trace.Server{}
		for _, st := range v.steps {
			for _, s := range st.Servers {
				m := index[s.Label()]
				if m == nil {
					m = &trace.Server{Name: s.Name, Address: s.Address}
					index[s.Label()] = m
					v.servers = append(v.servers, m)
				}
				m.Queries = append(m.Queries, s.Queries...)
			}
		}
	}
	return out
}

func containsStep(list []*trace.Step, s *trace.Step) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// queries returns a server's queries of one purpose.
func queries(s *trace.Server, purpose trace.Purpose) []*trace.Query {
	var out []*trace.Query
	for _, q := range s.Queries {
		if q.Purpose == purpose {
			out = append(out, q)
		}
	}
	return out
}

func first(s *trace.Server, purpose trace.Purpose) *trace.Query {
	if qs := queries(s, purpose); len(qs) > 0 {
		return qs[0]
	}
	return nil
}

// parentNS is the NS set the parent's referral gave for a zone, with glue.
func parentNS(v *zoneView) []trace.NSHost {
	for _, st := range v.steps {
		if st.Delegation.Source == "referral" {
			return st.Delegation.NS
		}
	}
	return nil
}

// referralStep is the first step reached by a referral from the parent.
func referralStep(v *zoneView) *trace.Step {
	for _, st := range v.steps {
		if st.Delegation.Source == "referral" {
			return st
		}
	}
	return nil
}

// childNS is the NS set each child server publishes (AA answers only).
func childNS(v *zoneView) map[string][]string {
	out := map[string][]string{}
	for _, s := range v.servers {
		q := first(s, trace.PurposeNS)
		if q == nil || q.Class != trace.ClassAnswer {
			continue
		}
		var names []string
		for _, rr := range q.Reply.Answer {
			if ns, ok := rr.(*dns.NS); ok && strings.EqualFold(ns.Hdr.Name, v.zone) {
				names = append(names, strings.ToLower(ns.Ns))
			}
		}
		sort.Strings(names)
		out[s.Label()] = names
	}
	return out
}

func hostNames(hosts []trace.NSHost) []string {
	var out []string
	for _, h := range hosts {
		out = append(out, h.Name)
	}
	sort.Strings(out)
	return out
}

func minus(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if !in[x] {
			out = append(out, x)
		}
	}
	return out
}

func union(sets map[string][]string) []string {
	seen := map[string]bool{}
	var out []string
	for _, set := range sets {
		for _, x := range set {
			if !seen[x] {
				seen[x] = true
				out = append(out, x)
			}
		}
	}
	sort.Strings(out)
	return out
}

// list joins items for a sentence: "a, b and c".
func list(items []string) string {
	switch len(items) {
	case 0:
		return "none"
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// listFirst is list of the first n items, the rest counted: "a, b and 3
// more". For lists a server's data can make as long as it likes.
func listFirst(items []string, n int) string {
	if len(items) <= n {
		return list(items)
	}
	return list(append(items[:n:n], fmt.Sprintf("%d more", len(items)-n)))
}

// period ends a sentence, which may already end with a name's final dot:
// "asked SOA lame.test." rather than "lame.test..".
func period(s string) string {
	if strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}

// said quotes what a server answered to a query, for explanations.
func said(s *trace.Server, q *trace.Query) string {
	what := q.Rcode
	switch {
	case !q.OK():
		what = "nothing (" + trace.Sanitize(q.Error) + ")"
	case q.Class == trace.ClassReferral || q.Class == trace.ClassUpward:
		what = "a referral"
		if ns := trace.RRsOf(q.Reply.Ns); len(ns) > 0 {
			what += " to " + ns[0].Name
		}
	case q.Class == trace.ClassLame:
		what = q.Rcode + " without the AA bit"
	}
	return s.Label() + " answered " + what + " to " + q.Type + " " + q.Name
}
