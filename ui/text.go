package ui

import (
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/trace"
)

// TextOptions tune the one-shot text rendering.
type TextOptions struct {
	// Brief leaves out the survey queries of servers that answered well.
	Brief bool
	// NoStats leaves out timing totals (for golden files).
	NoStats bool
}

// WriteText renders a report as an indented tree: each zone cut, each
// server, each query, then the outcome and the findings.
func WriteText(w io.Writer, rep *diagnose.Report, s Styles, opt TextOptions) error {
	tw := &textWriter{w: w, s: s, rep: rep, opt: opt, placed: map[int]bool{}, chain: map[string]diagnose.ChainLink{}}
	// A signed zone shows its chain; an unsigned one only where a secure
	// chain ends (its parent is secure and proves there is no DS).
	// Brief output keeps only the links that are not plainly secure.
	links := rep.Chain
	if links == nil {
		links = diagnose.Chain(rep.Trace)
	}
	state := map[string]diagnose.Security{}
	for _, l := range links {
		state[l.Zone] = l.State
		if opt.Brief && l.State == diagnose.Secure && len(l.Breaks) == 0 {
			continue
		}
		if l.Signed() || (l.State == diagnose.Insecure && state[l.Parent] == diagnose.Secure) {
			tw.chain[l.Zone] = l
		}
	}
	t := rep.Trace
	q := t.Query
	head := fmt.Sprintf("%s %s", q.Name, q.Type)
	if q.Unicode != "" {
		head += "  (" + q.Unicode + ")"
	}
	tw.line(0, s.Title.Render("Trace of "+head))
	tw.renderLookup(0, 0)
	tw.blank()
	tw.renderOutcome()
	if line := ptrSummary(t.PTR); line != "" {
		tw.line(0, s.Dim.Render(line))
	}
	if len(rep.Findings) > 0 {
		tw.blank()
		if opt.Brief {
			writeFindingsBrief(tw, rep.Findings, s)
		} else {
			WriteFindings(tw, rep.Findings, s)
		}
	}
	if len(t.Limits) > 0 {
		tw.blank()
		tw.line(0, s.Warn.Render("Budgets hit:"))
		for _, l := range t.Limits {
			tw.line(1, string(l.Budget)+": "+l.Detail)
		}
	}
	if !opt.NoStats {
		tw.blank()
		tw.line(0, s.Dim.Render(fmt.Sprintf("%s (%s, %d timed out), %s, %.0f ms",
			count(t.Stats.Queries, "query"), count(t.Stats.Attempts, "packet"), t.Stats.Timeouts, count(len(t.Steps), "zone cut"), t.Stats.ElapsedMs)))
	}
	return tw.err
}

type textWriter struct {
	w   io.Writer
	s   Styles
	rep *diagnose.Report
	opt TextOptions
	err error
	// placed holds the glueless lookups already shown: a lookup reused
	// later in the run says so instead of walking from the root again.
	placed map[int]bool
	// chain holds each signed zone's chain of trust until its first
	// step prints it.
	chain map[string]diagnose.ChainLink
}

func (tw *textWriter) Write(p []byte) (int, error) {
	if tw.err != nil {
		return 0, tw.err
	}
	n, err := tw.w.Write(p)
	tw.err = err
	return n, err
}

func (tw *textWriter) line(indent int, text string) {
	fmt.Fprintf(tw, "%s%s\n", strings.Repeat("  ", indent), text)
}

func (tw *textWriter) blank() { fmt.Fprintln(tw) }

// renderLookup draws the steps of one lookup that start a path (no parent).
func (tw *textWriter) renderLookup(id, indent int) {
	for _, st := range tw.rep.Steps {
		if st.Lookup == id && st.Parent < 0 {
			tw.renderStep(st, indent)
		}
	}
}

func (tw *textWriter) renderStep(st *trace.Step, indent int) {
	s := tw.s
	d := st.Delegation
	src := d.Source
	switch d.Source {
	case "referral":
		src = "delegated by " + serverNames(d.From)
	case "cache":
		src = "servers already known in this run"
	case "hints":
		src = "root hints"
	case trace.SourceParentServers:
		src = "served by its parent's servers, " + serverNames(d.From) + " (no referral)"
	}
	tw.line(indent, s.Zone.Render(zoneName(st.Zone))+"  "+s.Dim.Render(clean(fmt.Sprintf("%s %s; %s, %s", st.Name, st.Type, count(len(d.NS), "name server"), src))))
	if l, ok := tw.chain[st.Zone]; ok {
		delete(tw.chain, st.Zone)
		line, mark := chainLine(l)
		text := s.ForSecurity(string(l.State)).Render("DNSSEC " + string(l.State))
		if line != "" {
			text += "  " + s.Dim.Render(clean(line))
		}
		if mark != "" {
			text += "  " + s.ForSecurity(string(l.State)).Render(clean(mark))
		}
		tw.line(indent+1, text)
	}
	for _, h := range d.NS {
		if len(h.Lookup) == 0 {
			if len(h.Addrs) == 0 || h.Error != "" {
				msg := "no address"
				if h.Error != "" {
					msg = h.Error
				}
				tw.line(indent+1, s.Server.Render(h.Name)+"  "+s.Bad.Render(symError+" "+trace.Sanitize(msg)))
			}
			continue
		}
		sum := summarizeNS(tw.rep.Trace, st, h, tw.placed)
		style := s.Dim
		if sum.status() == stError {
			style = s.Bad
		}
		tw.line(indent+1, style.Render(symLookup+" "+sum.text()))
		if tw.opt.Brief || sum.reused {
			continue
		}
		for _, lid := range h.Lookup {
			l := tw.rep.LookupByID(lid)
			if l == nil {
				continue
			}
			tw.line(indent+2, s.Dim.Render(clean(l.Type+": "+lookupWords(l))))
			tw.renderLookup(lid, indent+3)
		}
	}
	for _, sk := range st.Skipped {
		tw.line(indent+1, s.Dim.Render("skipped "+sk))
	}
	width := 0
	for _, srv := range st.Servers {
		if n := len(srv.Name) + 1 + len(srv.Address); n > width {
			width = n
		}
	}
	for _, srv := range st.Servers {
		tw.renderServer(srv, indent+1, width)
	}
	for _, p := range st.Primaries {
		tw.renderPrimary(p, indent+1)
	}
	for _, res := range st.Results {
		tw.renderResult(st, res, indent+1)
	}
}

func (tw *textWriter) renderServer(srv *trace.Server, indent, width int) {
	s := tw.s
	name, addr := clean(srv.Name), clean(srv.Address) // a saved trace's, any bytes
	label := s.Server.Render(name) + " " + s.Addr.Render(addr)
	pad := strings.Repeat(" ", max(1, width-len(name)-len(addr)+2))
	var main *trace.Query
	var rest []*trace.Query
	for _, q := range srv.Queries {
		if q.Purpose == trace.PurposeResolve && main == nil {
			main = q
		} else {
			rest = append(rest, q)
		}
	}
	if dead, why := allFailedAlike(srv.Queries); dead {
		st := classStatus(srv.Queries[0])
		tw.line(indent, label+pad+s.ForStatus(st).Render(st.symbol()+" "+why)+s.Dim.Render(fmt.Sprintf(" (all %s, %s)", count(len(srv.Queries), "query"), count(packets(srv.Queries), "packet"))))
		return
	}
	if tw.opt.Brief && len(srv.Queries) > 1 && sameProblem(srv.Queries) {
		// A server that answers every question the same wrong way: once.
		what, style := tw.classText(srv.Queries[0])
		tw.line(indent, label+pad+style.Render(what)+s.Dim.Render(" (all "+count(len(srv.Queries), "query")+")"))
		return
	}
	if main == nil {
		tw.line(indent, label+pad+s.Dim.Render("(no reply yet)"))
	} else {
		tw.line(indent, label+pad+tw.queryText(main))
		tw.renderRetries(main, indent+2)
	}
	for _, q := range rest {
		if tw.opt.Brief && healthy(q) {
			continue
		}
		tw.line(indent+2, s.Dim.Render(fmt.Sprintf("%s %s %s  ", shortPurpose(q.Purpose), q.Name, q.Type))+tw.queryText(q))
		tw.renderRetries(q, indent+3)
	}
}

// allFailedAlike reports whether every query to a server failed the same
// way (a dead server), so one line can say it.
func allFailedAlike(qs []*trace.Query) (bool, string) {
	if len(qs) < 2 {
		return false, ""
	}
	for _, q := range qs {
		if q.OK() || q.Error == "" || q.ErrorKind != qs[0].ErrorKind {
			return false, ""
		}
	}
	return true, trace.Sanitize(qs[0].Error)
}

// sameProblem reports whether every query got a reply of the same
// class, and a wrong one (REFUSED, lame, SERVFAIL...).
func sameProblem(qs []*trace.Query) bool {
	for _, q := range qs {
		if !q.OK() || q.Class != qs[0].Class || !classStatus(q).problem() || len(q.Attempts) > 1 {
			return false
		}
	}
	return true
}

func packets(qs []*trace.Query) int {
	n := 0
	for _, q := range qs {
		n += len(q.Attempts)
	}
	return n
}

func (tw *textWriter) renderRetries(q *trace.Query, indent int) {
	if len(q.Attempts) <= 1 {
		return
	}
	same := true
	for _, a := range q.Attempts {
		if a.Error == "" || a.Error != q.Attempts[0].Error {
			same = false
		}
	}
	if same {
		return
	}
	for _, a := range q.Attempts {
		what := a.Rcode
		if a.Error != "" {
			what = a.Error
		}
		if a.TC {
			what += " TC"
		}
		edns := "edns"
		if !a.EDNS {
			edns = "no edns"
		}
		change := ""
		if a.Change != "" {
			change = " (" + a.Change + ")"
		}
		tw.line(indent, tw.s.Dim.Render(fmt.Sprintf("try %d %s %s: %s%s", a.Try, a.Transport, edns, trace.Sanitize(what), change)))
	}
}

func healthy(q *trace.Query) bool {
	switch q.Class {
	case trace.ClassAnswer, trace.ClassNoData, trace.ClassNXDomain, trace.ClassReferral:
		return len(q.Attempts) <= 1
	}
	return false
}

func shortPurpose(p trace.Purpose) string {
	return string(p) // address, recursion, wildcard...: words, not codes
}

// queryText is the one-line status of a query: what came back and how.
func (tw *textWriter) queryText(q *trace.Query) string {
	s := tw.s
	if !q.OK() && q.Error != "" {
		st := classStatus(q)
		return s.ForStatus(st).Render(st.symbol()+" "+trace.Sanitize(q.Error)) + s.Dim.Render(attemptNote(q))
	}
	status, style := tw.classText(q)
	meta := fmt.Sprintf("  %s %s %dB", rtt(q.RTTms), q.Transport, q.Size)
	for _, f := range q.Flags {
		if f != "qr" {
			meta += " " + f
		}
	}
	if !q.EDNS {
		meta += " no-edns"
	}
	return style.Render(status) + s.Dim.Render(clean(meta+attemptNote(q))) // a saved trace's flags and transport are any text
}

func attemptNote(q *trace.Query) string {
	if len(q.Attempts) > 1 {
		return " (" + count(len(q.Attempts), "try") + ")"
	}
	return ""
}

func rtt(msv float64) string {
	if msv < 10 {
		return fmt.Sprintf("%.1fms", msv)
	}
	return fmt.Sprintf("%.0fms", msv)
}

// classText describes a reply's meaning for a person, behind the same
// symbol as in the explorer.
func (tw *textWriter) classText(q *trace.Query) (string, lipgloss.Style) {
	st := classStatus(q)
	var what string
	switch q.Class {
	case trace.ClassAnswer:
		what = "answer " + firstRdata(q)
	case trace.ClassCNAME:
		what = "alias " + firstRdata(q)
	case trace.ClassNXDomain:
		what = "NXDOMAIN"
	case trace.ClassNoData:
		what = "NODATA"
		if st == stError {
			what = "NODATA for the apex"
		}
	case trace.ClassReferral:
		what = "referral to " + referralZone(q)
	case trace.ClassUpward:
		what = "upward referral to " + referralZone(q)
	case trace.ClassLame:
		what = "not authoritative (lame)"
	case trace.ClassRefused:
		what = "REFUSED"
	default:
		what = q.Rcode
	}
	return st.symbol() + " " + what, tw.s.ForStatus(st)
}

func firstRdata(q *trace.Query) string {
	for _, a := range q.Answer {
		f := strings.Fields(a)
		if len(f) >= 5 {
			more := ""
			if len(q.Answer) > 1 {
				more = fmt.Sprintf(" (+%d)", len(q.Answer)-1)
			}
			rd := strings.Join(f[4:], " ")
			if len(rd) > 60 {
				rd = rd[:57] + "..."
			}
			return f[3] + " " + rd + more
		}
	}
	return ""
}

func referralZone(q *trace.Query) string {
	for _, a := range q.Authority {
		if f := strings.Fields(a); len(f) >= 4 && f[3] == "NS" {
			return f[0]
		}
	}
	return "?"
}

func (tw *textWriter) renderResult(st *trace.Step, res *trace.Result, indent int) {
	s := tw.s
	who := serverNames(res.Servers)
	switch res.Kind {
	case trace.KindReferral:
		switch {
		case res.Next >= 0:
			tw.renderStep(tw.rep.StepByID(res.Next), indent)
		case res.SameAs > 0:
			tw.line(indent, s.Dim.Render(fmt.Sprintf("→ referral to %s: the same servers as step %d, followed there  (%s)", res.Zone, res.SameAs, who)))
		default:
			tw.line(indent, s.Warn.Render("→ referral to "+res.Zone+" not followed (budget)"))
		}
	case trace.KindCNAME:
		tw.line(indent, s.OK.Render(symAlias+" "+st.Name+" is an alias for "+res.Target)+s.Dim.Render("  ("+who+")"))
		switch {
		case res.Lookup >= 0:
			tw.renderLookup(res.Lookup, indent+1)
		case res.SameLookup > 0:
			tw.line(indent+1, s.Dim.Render(fmt.Sprintf("followed once, in lookup %d", res.SameLookup)))
		default:
			tw.line(indent+1, s.Bad.Render("✗ "+res.Why))
		}
	case trace.KindAnswer:
		tw.line(indent, s.OK.Render("✓ answer")+s.Dim.Render("  from "+who))
		for _, r := range res.Records {
			tw.line(indent+1, clean(r))
		}
	case trace.KindNXDomain:
		tw.line(indent, s.Warn.Render(symNegative+" NXDOMAIN: "+st.Name+" does not exist")+s.Dim.Render("  ("+who+")"))
	case trace.KindNoData:
		tw.line(indent, s.Warn.Render(symNegative+" NODATA: no "+st.Type+" records at "+st.Name)+s.Dim.Render("  ("+who+")"))
	case trace.KindFailed:
		tw.line(indent, s.Bad.Render(symError+" "+failedWords(st, res)))
	}
	// A zone below on the same servers: the trace went on in it.
	if child := tw.rep.StepByID(res.Next); child != nil && child.Parent == st.ID && child.ID != st.ID && res.Kind != trace.KindReferral {
		tw.renderStep(child, indent)
	}
}

func (tw *textWriter) renderOutcome() {
	s := tw.s
	o := tw.rep.Outcome
	style := s.ForOutcome(o.Rcode)
	head, branches := outcomeLines(tw.rep.Trace)
	rcode, rest, _ := strings.Cut(head, "  ")
	tw.line(0, s.Title.Render("Outcome: ")+style.Render(rcode)+"  "+rest)
	for _, b := range branches {
		rcode, rest, _ := strings.Cut(b, "  ")
		tw.line(1, s.ForOutcome(rcode).Render(rcode)+"  "+rest)
	}
	if sec, words := securityLine(tw.rep); sec != "" && sec != "insecure" {
		tw.line(0, s.Title.Render("DNSSEC: ")+s.ForSecurity(sec).Render(sec))
		for _, l := range wrap(words, 76) {
			tw.line(1, l)
		}
	}
}

func zoneName(z string) string {
	if z == "." {
		return ". (root)"
	}
	return z
}

// wrap breaks text into lines of at most width cells, at spaces and
// hyphens; a word wider than the line (a URL) is left whole.
func wrap(text string, width int) []string {
	return strings.Split(ansi.Wordwrap(text, width, ""), "\n")
}

// doubleDot is a name's trailing dot followed by a sentence's full stop.
var doubleDot = regexp.MustCompile(`([^.\s])\.\.(\s|$)`)

// prose cleans a sentence from the diagnosis for reading: a name at the
// end of a sentence keeps one dot ("lame.test." not "lame.test..").
func prose(s string) string { return doubleDot.ReplaceAllString(clean(s), "$1.$2") }

// clean escapes control characters and tabs in text that may carry bytes
// from the network, before any styling is applied.
func clean(s string) string {
	return strings.ReplaceAll(trace.Sanitize(s), "\t", " ")
}
