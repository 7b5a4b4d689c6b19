package ui

import (
	"fmt"
	"io"
	"strings"

	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/trace"
)

// WriteCheck renders the result of a zone health check: the zone's
// servers as seen from the parent and the zone, then findings by severity.
func WriteCheck(w io.Writer, rep *diagnose.Report, zone string, s Styles, min diagnose.Severity) error {
	fmt.Fprintln(w, s.Title.Render("Health check of "+zone))
	for _, st := range rep.Steps {
		if st.Zone != zone || st.Lookup != 0 {
			continue
		}
		fmt.Fprintf(w, "  %s\n", s.Dim.Render(fmt.Sprintf("%s, %s asked; delegated by %s", count(len(st.Delegation.NS), "name server"), count(len(st.Servers), "address"), trace.ServerList(st.Delegation.From))))
		break
	}
	if line := ptrSummary(rep.PTR); line != "" {
		fmt.Fprintf(w, "  %s\n", s.Dim.Render(line))
	}
	var kept []diagnose.Finding
	for _, f := range rep.Findings {
		if f.Severity >= min {
			kept = append(kept, f)
		}
	}
	fmt.Fprintln(w)
	if len(kept) == 0 {
		_, err := fmt.Fprintln(w, s.OK.Render("✓ no findings at "+min.String()+" or above"))
		return err
	}
	WriteFindings(w, kept, s)
	return nil
}

// ptrSummary says in one line what --ptr looked up and found; "" without
// --ptr.
func ptrSummary(p *trace.PTRReport) string {
	if p == nil {
		return ""
	}
	n := map[trace.PTRVerdict]int{}
	for _, c := range p.Checks {
		n[c.Verdict]++
	}
	var parts []string
	for _, v := range []struct {
		v    trace.PTRVerdict
		word string
	}{{trace.PTRConfirmed, "confirmed"}, {trace.PTRMissing, "without PTR"}, {trace.PTRMismatch, "not resolving back"}, {trace.PTRUnknown, "undecided"}} {
		if n[v.v] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[v.v], v.word))
		}
	}
	line := "reverse DNS (--ptr): " + count(len(p.Checks), "address") + " of " + p.Zone + "'s hosts"
	if len(parts) > 0 {
		line += ": " + strings.Join(parts, ", ")
	}
	if p.LeftOut > 0 {
		line += fmt.Sprintf("; %d more not looked up (at most %d are)", p.LeftOut, p.Cap)
	}
	return clean(line)
}
