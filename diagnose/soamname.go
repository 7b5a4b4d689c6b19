package diagnose

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

var ruleSOAMNAME = &Rule{
	ID: "soa-mname", Severity: Notice,
	Title: "the primary named in the SOA (MNAME) does not resolve, does not serve the zone, or lags",
	Doc: "The SOA MNAME names the zone's primary server. ddx check resolves it and asks it for the zone's SOA " +
		"(RD=0): its name has no address, or it answers without authority for the zone, or it serves an older " +
		"serial than the zone's listed servers (so it is not the primary they copy from). NOTIFY (RFC 1996), " +
		"dynamic updates (RFC 2136) and secondaries configured by name look the primary up this way, and go astray. " +
		"A primary that is not listed in the NS set and does not answer at all is reported as info: that is how a " +
		"hidden primary is usually run (reachable by its secondaries only). An MNAME of \".\" (no primary for " +
		"updates) is not a finding. Resolution never uses the MNAME, so none of this stops the zone from resolving " +
		"(Zonemaster ZONE01).",
	Fix:  "Set the SOA MNAME to the name of the server the zone is edited on and transferred from, with its address published, and let it serve the zone.",
	Refs: []string{"RFC 1035 §3.3.13", "RFC 1996 §2", "RFC 2136 §1", "RFC 2181 §7.3"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			soaMNAME(p, v)
		}
	},
}

// primaryView is what the trace holds about one MNAME of a zone.
type primaryView struct {
	name     string
	namedBy  []string // servers whose SOA names it
	probe    *trace.Primary
	step     int
	problems []string // what is wrong, in words
	silent   []string // addresses that did not answer
	evidence []int    // queries
	steps    []int    // the steps of its lookups
	summary  string   // the first problem's summary
}

func soaMNAME(p *Pass, v *zoneView) {
	var newest uint32
	haveSerial := false
	byName := map[string]*primaryView{}
	var names []string
	for _, s := range v.servers {
		soa := apexSOA(s, v.zone)
		if soa == nil {
			continue
		}
		if !haveSerial || serialLess(newest, soa.Serial) {
			newest, haveSerial = soa.Serial, true
		}
		n := strings.ToLower(soa.Ns)
		if n == "." {
			continue
		}
		if byName[n] == nil {
			byName[n] = &primaryView{name: n, step: -1}
			names = append(names, n)
		}
		byName[n].namedBy = append(byName[n].namedBy, s.Label())
	}
	for _, st := range v.steps {
		for _, pr := range st.Primaries {
			if pv := byName[pr.Name]; pv != nil && pv.probe == nil {
				pv.probe, pv.step = pr, st.ID
			}
		}
	}
	sort.Strings(names)
	for _, n := range names {
		pv := byName[n]
		if pv.probe != nil {
			judgeProbe(p.Trace, v, pv, newest)
		} else {
			judgeListed(v, pv, newest)
		}
		if len(pv.problems) == 0 && len(pv.silent) == 0 {
			continue
		}
		f := Finding{
			Zone: v.zone, Servers: append([]string{pv.name}, pv.namedBy...), Queries: pv.evidence,
			Summary: pv.summary,
		}
		if pv.step >= 0 {
			f.Steps = append([]int{pv.step}, pv.steps...)
		}
		named := fmt.Sprintf("The SOA of %s (from %s) names %s as the zone's primary", v.zone, list(pv.namedBy), pv.name)
		if len(pv.problems) == 0 {
			f.Summary = fmt.Sprintf("the primary named in the SOA of %s, %s, did not answer", v.zone, pv.name)
			f.Explanation = fmt.Sprintf("%s, and it is not one of the zone's listed servers. Asked for the zone's SOA, %s did not answer. "+
				"That is how a hidden primary is usually run, reachable by its secondaries only: then nothing needs doing. "+
				"If NOTIFY senders, dynamic updates (RFC 2136) or secondaries elsewhere use this name, they cannot reach it either.",
				named, list(pv.silent))
			f.Fix = "Nothing, if " + pv.name + " is a hidden primary that only its secondaries may reach. Otherwise let it answer, or set the SOA MNAME to the server that is the primary."
			p.ReportAt(Info, f)
			continue
		}
		f.Explanation = named + ", but " + strings.Join(pv.problems, "; ") + "."
		if len(pv.silent) > 0 {
			f.Explanation += fmt.Sprintf(" %s did not answer.", list(pv.silent))
		}
		f.Explanation += " NOTIFY, dynamic updates (RFC 2136) and secondaries configured by name go astray; resolution does not use the MNAME, so the zone still resolves."
		p.Report(f)
	}
}

// judgeProbe reads what check's probe of an unlisted primary found.
func judgeProbe(t *trace.Trace, v *zoneView, pv *primaryView, newest uint32) {
	pr := pv.probe
	if len(pr.Addrs) == 0 {
		if pr.Failure == trace.NSFailBudget || pr.Failure == trace.NSFailCycle || len(pr.Lookup) == 0 {
			return // never fetched: nothing to say
		}
		var outcomes []string
		for _, id := range pr.Lookup {
			l := t.LookupByID(id)
			if l == nil || l.Outcome.Rcode == trace.RcodeIncomplete {
				return
			}
			outcomes = append(outcomes, l.Type+": "+l.Outcome.Rcode)
			for _, st := range t.Steps {
				if st.Lookup == id {
					pv.steps = append(pv.steps, st.ID)
				}
			}
		}
		pv.problems = append(pv.problems, "resolving "+pv.name+" gave "+strings.Join(outcomes, ", ")+": it has no address")
		pv.summary = fmt.Sprintf("the primary named in the SOA of %s, %s, does not resolve", v.zone, pv.name)
		return
	}
	if len(pr.Loopback) > 0 {
		pv.problems = append(pv.problems, pv.name+" resolves to the loopback address "+listFirst(pr.Loopback, 4)+", which names whatever machine looks it up")
		pv.summary = fmt.Sprintf("the primary named in the SOA of %s, %s, resolves to a loopback address", v.zone, pv.name)
	}
	for _, s := range pr.Servers {
		q := first(s, trace.PurposeMNAME)
		if q == nil {
			continue
		}
		if !q.OK() {
			if q.ErrorKind.ServerFault() {
				pv.silent = append(pv.silent, s.Address)
				pv.evidence = append(pv.evidence, q.ID)
			}
			continue
		}
		why, summary := primaryReply(v.zone, q, newest)
		if why == "" {
			continue
		}
		pv.evidence = append(pv.evidence, q.ID)
		pv.problems = append(pv.problems, "asked at "+s.Address+", it "+why)
		if pv.summary == "" {
			pv.summary = fmt.Sprintf("the primary named in the SOA of %s, %s, %s", v.zone, pv.name, summary)
		}
	}
}

// judgeListed checks a primary that is one of the zone's listed servers:
// the survey asked it; only a lagging serial is this rule's (the rest is
// lame-delegation's and the reachability rules').
func judgeListed(v *zoneView, pv *primaryView, newest uint32) {
	for _, s := range v.servers {
		if s.Name != pv.name {
			continue
		}
		soa := apexSOA(s, v.zone)
		if soa == nil || !serialLess(soa.Serial, newest) {
			continue
		}
		pv.evidence = append(pv.evidence, first(s, trace.PurposeSOA).ID)
		pv.problems = append(pv.problems, fmt.Sprintf("%s serves serial %d while other servers of the zone serve %d: it is not the primary they copy from", s.Label(), soa.Serial, newest))
		pv.summary = fmt.Sprintf("the primary named in the SOA of %s, %s, serves an older serial than the zone's other servers", v.zone, pv.name)
	}
}

// primaryReply says what is wrong with a primary's reply to the zone's
// SOA query, in an explanation and in a summary, or "".
func primaryReply(zone string, q *trace.Query, newest uint32) (string, string) {
	m := q.Reply
	var soa *dns.SOA
	for _, rr := range m.Answer {
		if s, ok := rr.(*dns.SOA); ok && strings.EqualFold(s.Hdr.Name, zone) {
			soa = s
		}
	}
	switch {
	case m.Rcode != dns.RcodeSuccess:
		return "answered " + q.Rcode + " for the zone's SOA", "does not serve the zone"
	case !m.Authoritative:
		return "answered without authority (AA clear) for the zone's SOA", "does not serve the zone with authority"
	case soa == nil:
		return "answered with authority but without the zone's SOA", "does not serve the zone's SOA"
	case serialLess(soa.Serial, newest):
		return fmt.Sprintf("serves serial %d while the zone's listed servers serve %d: it is not the primary they copy from", soa.Serial, newest), "serves an older serial than the zone's servers"
	}
	return "", ""
}
