package ui

import (
	"fmt"
	"io"
	"strings"

	"github.com/ddxdns/ddx/diagnose"
)

// WriteFindings renders findings grouped by severity.
func WriteFindings(w io.Writer, fs []diagnose.Finding, s Styles) {
	fmt.Fprintln(w, s.Title.Render(fmt.Sprintf("Findings (%d):", len(fs))))
	for _, f := range fs {
		style := s.ForSeverity(f.Severity)
		fmt.Fprintf(w, "  %s %s %s  %s\n", style.Render(fmt.Sprintf("%-8s", strings.ToUpper(f.Severity.String()))), s.Key.Render(clean(f.ID)), s.Zone.Render(clean(zoneName(f.Zone))), prose(f.Summary))
		for _, para := range []string{prose(f.Explanation), "Fix: " + prose(f.Fix)} {
			for _, l := range wrap(para, 76) {
				fmt.Fprintf(w, "      %s\n", l)
			}
		}
		if len(f.Refs) > 0 {
			fmt.Fprintf(w, "      %s\n", s.Dim.Render(clean("See "+strings.Join(f.Refs, ", "))))
		}
	}
}

// writeFindingsBrief is one line per finding, and the fix of those at
// error or above; the rest is one -v (or ddx explain ID) away.
func writeFindingsBrief(w io.Writer, fs []diagnose.Finding, s Styles) {
	fmt.Fprintln(w, s.Title.Render(fmt.Sprintf("Findings (%d):", len(fs))))
	for _, f := range fs {
		style := s.ForSeverity(f.Severity)
		fmt.Fprintf(w, "  %s %s %s  %s\n", style.Render(fmt.Sprintf("%-8s", strings.ToUpper(f.Severity.String()))), s.Key.Render(clean(f.ID)), s.Zone.Render(clean(zoneName(f.Zone))), prose(f.Summary))
		if f.Severity >= diagnose.Error && f.Fix != "" {
			for _, l := range wrap("Fix: "+prose(f.Fix), 72) {
				fmt.Fprintf(w, "      %s\n", l)
			}
		}
	}
	fmt.Fprintln(w, s.Dim.Render("  What each means and how to fix it: ddx explain ID, or -v for everything."))
}
