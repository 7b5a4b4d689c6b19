package ui

import (
	"fmt"
	"io"

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
