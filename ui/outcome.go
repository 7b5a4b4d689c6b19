package ui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/trace"
)

// outcomeLines answer the question first: the headline (the rcode and the
// records, or what went wrong in plain words), then, when paths end
// differently, one line per branch. The text output and the explorer's
// header show the same lines.
func outcomeLines(t *trace.Trace) (head string, branches []string) {
	o := t.Outcome
	switch o.Rcode {
	case trace.RcodeNoError:
		if a := answerWords(o.Answers); a != "" {
			return o.Rcode + "  " + a, nil
		}
	case trace.RcodeDepends:
		for _, e := range o.Ends {
			branches = append(branches, e.Rcode+"  "+endWords(t, e))
		}
		return o.Rcode + "  the answer depends on which servers a resolver asks:", branches
	case trace.RcodeIncomplete:
		head = o.Rcode + "  ddx stopped before every path ended"
		if len(t.Limits) > 0 {
			head += " (" + t.Limits[0].Detail + ")"
		}
		for _, e := range o.Ends {
			if e.Rcode != trace.RcodeIncomplete {
				branches = append(branches, "so far: "+e.Rcode+"  "+endWords(t, e))
			}
		}
		return clean(head), branches
	}
	if len(o.Ends) == 1 {
		return o.Rcode + "  " + endWords(t, o.Ends[0]), nil
	}
	return clean(o.Rcode + "  " + o.Explanation), nil
}

// answerWords are the records of an answer, short: "A 192.0.2.1, A
// 192.0.2.2", an alias first ("CNAME edge.example. → A 192.0.2.88").
func answerWords(answers []string) string {
	var parts []string
	alias := ""
	for _, a := range answers {
		f := strings.Fields(a)
		if len(f) < 5 {
			continue
		}
		rr := f[3] + " " + strings.Join(f[4:], " ")
		if f[3] == "CNAME" {
			alias += rr + " → "
			continue
		}
		parts = append(parts, rr)
	}
	// An RRset has no order; the engine's depends on which reply came
	// first. Sorted, the header reads the same every run.
	sort.Strings(parts)
	if len(parts) > 4 {
		parts = append(parts[:3], fmt.Sprintf("and %d more", len(parts)-3))
	}
	if len(parts) == 0 && alias != "" {
		return clean(strings.TrimSuffix(alias, " → "))
	}
	return clean(alias + strings.Join(parts, ", "))
}

// endWords says how one branch ends, in plain words and short enough for
// one line at 80 columns.
func endWords(t *trace.Trace, e trace.End) string {
	st := t.StepByID(e.Step)
	if st == nil {
		return clean(e.Why)
	}
	who := serverNames(e.Servers)
	says := "says"
	if strings.Contains(who, " and ") || strings.Contains(who, ",") {
		says = "say"
	}
	switch e.Rcode {
	case trace.RcodeNoError:
		for _, r := range st.Results {
			if r.Kind == trace.KindAnswer {
				if a := answerWords(r.Records); a != "" {
					return clean(a + " from " + who)
				}
			}
		}
		return clean(fmt.Sprintf("%s %s the answer", who, says))
	case trace.RcodeNXDomain:
		return clean(fmt.Sprintf("%s %s %s does not exist", who, says, st.Name))
	case trace.RcodeNoData:
		return clean(fmt.Sprintf("%s %s %s has no %s records", who, says, st.Name, st.Type))
	case trace.RcodeServFail:
		w := failureWords(st)
		for _, r := range st.Results {
			if w == "" && r.Kind == trace.KindFailed && len(st.Servers) == 0 {
				w = r.Why
			}
		}
		if w != "" {
			if by := delegatedBy(t, st); by != "" {
				w += " (delegated by " + by + ")"
			}
			return clean(w)
		}
	}
	return clean(e.Why)
}

// serverNames lists the names of servers quoted as "name (address)",
// each once: "a. and b.", or "a., b. and 2 more".
func serverNames(labels []string) string {
	var names []string
	for _, l := range labels {
		n, _, _ := strings.Cut(l, " (")
		if !containsString(names, n) {
			names = append(names, n)
		}
	}
	switch {
	case len(names) == 0:
		return "the servers"
	case len(names) == 1:
		return names[0]
	case len(names) == 2:
		return names[0] + " and " + names[1]
	case len(names) == 3:
		return names[0] + ", " + names[1] + " and " + names[2]
	}
	return fmt.Sprintf("%s, %s and %d more", names[0], names[1], len(names)-2)
}

// delegatedBy names the parent servers whose referral led to a step.
func delegatedBy(t *trace.Trace, st *trace.Step) string {
	p := t.StepByID(st.Parent)
	if p == nil {
		return ""
	}
	asked := 0
	for _, s := range p.Servers {
		if s != nil {
			asked++
		}
	}
	for _, r := range p.Results {
		if r.Next == st.ID {
			if len(r.Servers) > 1 && len(r.Servers) == asked {
				return p.Zone // every server of the parent
			}
			return serverNames(r.Servers)
		}
	}
	return ""
}

// failureWords says how the servers of a step failed: "both servers of
// gone.lab. timed out", "2 timed out, 1 refused" ("" if none was asked).
func failureWords(st *trace.Step) string {
	counts := map[string]int{}
	var order []string
	names := map[string]bool{}
	n := 0
	for _, s := range st.Servers {
		if s == nil {
			continue
		}
		n++
		names[s.Name] = true
		how := "failed"
		for _, q := range s.Queries {
			if q.Purpose == trace.PurposeResolve {
				how = failedHow(q)
				break
			}
		}
		if how == "" {
			return "" // this one answered: the failure is elsewhere
		}
		if counts[how] == 0 {
			order = append(order, how)
		}
		counts[how]++
	}
	if n == 0 {
		return ""
	}
	noun := "servers"
	if len(names) != n {
		noun = "server addresses"
	}
	if len(order) == 1 {
		switch n {
		case 1:
			return fmt.Sprintf("the only %s of %s %s", singular(noun), st.Zone, order[0])
		case 2:
			return fmt.Sprintf("both %s of %s %s", noun, st.Zone, order[0])
		}
		return fmt.Sprintf("all %d %s of %s %s", n, noun, st.Zone, order[0])
	}
	var parts []string
	for _, how := range order {
		parts = append(parts, fmt.Sprintf("%d %s", counts[how], how))
	}
	return fmt.Sprintf("the %s of %s: %s", noun, st.Zone, strings.Join(parts, ", "))
}

func singular(noun string) string {
	if noun == "servers" {
		return "server"
	}
	return "server address"
}

// failedHow is how a query failed, as a verb phrase.
func failedHow(q *trace.Query) string {
	if !q.OK() {
		if q.ErrorKind == "timeout" {
			return "timed out"
		}
		return "could not be reached"
	}
	switch q.Class {
	case trace.ClassRefused:
		return "refused"
	case trace.ClassLame, trace.ClassUpward:
		return "answered without authority (lame)"
	case trace.ClassServFail:
		return "answered SERVFAIL"
	case trace.ClassFormErr, trace.ClassNotImp:
		return "answered " + q.Rcode
	case trace.ClassAnswer, trace.ClassCNAME, trace.ClassNXDomain, trace.ClassNoData, trace.ClassReferral:
		return ""
	}
	return "gave no usable answer"
}

// failedWords says why a step failed: how its servers failed, in words,
// or the engine's reason when no server could be asked.
func failedWords(st *trace.Step, r *trace.Result) string {
	if r.Incomplete == "" {
		if w := failureWords(st); w != "" {
			return w
		}
	}
	return r.Why
}

// securityLine says what a validating resolver makes of the outcome, when
// the trace validated DNSSEC: "DNSSEC: secure", or for a bogus chain what
// validating and other resolvers answer. Empty with --no-dnssec.
func securityLine(rep *diagnose.Report) (sec, words string) {
	switch rep.Security {
	case "":
		return "", ""
	case "bogus":
		if _, after, ok := strings.Cut(rep.Outcome.Explanation, "Validating resolvers: "); ok {
			return "bogus", "validating resolvers: " + clean(after)
		}
		return "bogus", "validating resolvers answer SERVFAIL"
	case "insecure":
		return "insecure", "not signed, or not from a signed parent: nothing to validate"
	case "indeterminate":
		return "indeterminate", "no trust anchor for these roots (--trust-anchor FILE)"
	}
	return string(rep.Security), "the chain of trust validates from the root"
}
