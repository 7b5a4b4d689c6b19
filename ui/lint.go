package ui

import (
	"fmt"
	"io"
	"strings"

	"github.com/ddxdns/ddx/diagnose"
)

// WriteLint renders the findings of ddx lint the way compilers report:
// one "FILE:LINE: severity id: summary" line per finding (what editors and
// CI annotate), with its explanation, fix and references below it, then
// a count by severity.
func WriteLint(w io.Writer, rep *diagnose.LintReport, s Styles, min diagnose.Severity) error {
	count := map[diagnose.Severity]int{}
	shown := 0
	for _, f := range rep.Findings {
		if f.Severity < min {
			continue
		}
		shown++
		count[f.Severity]++
		at := clean(f.File)
		if f.Line > 0 {
			at = fmt.Sprintf("%s:%d", at, f.Line)
		}
		fmt.Fprintf(w, "%s: %s %s: %s\n", at, s.ForSeverity(f.Severity).Render(f.Severity.String()), s.Key.Render(clean(f.ID)), clean(f.Summary))
		for _, para := range []string{clean(f.Explanation), "Fix: " + clean(f.Fix)} {
			for _, l := range wrap(para, 76) {
				fmt.Fprintf(w, "    %s\n", l)
			}
		}
		if len(f.Refs) > 0 {
			fmt.Fprintf(w, "    %s\n", s.Dim.Render(clean("See "+strings.Join(f.Refs, ", "))))
		}
	}
	zone := rep.Origin
	if zone == "" {
		zone = "unknown zone"
	}
	head := fmt.Sprintf("%s (%s): %d records", clean(rep.File), clean(zoneName(zone)), rep.Records)
	if !rep.Complete {
		head += ", read up to its first syntax error"
	}
	if shown == 0 {
		_, err := fmt.Fprintf(w, "%s; %s\n", head, s.OK.Render("✓ no findings at "+min.String()+" or above"))
		return err
	}
	var parts []string
	for sev := diagnose.Critical; sev >= diagnose.Info; sev-- {
		if n := count[sev]; n > 0 {
			name := sev.String()
			if n > 1 && sev != diagnose.Info {
				name += "s"
			}
			parts = append(parts, fmt.Sprintf("%d %s", n, name))
		}
	}
	_, err := fmt.Fprintf(w, "%s; %s\n", head, strings.Join(parts, ", "))
	return err
}
