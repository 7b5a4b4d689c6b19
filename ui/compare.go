package ui

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/lipgloss/table"
	"github.com/charmbracelet/x/ansi"
	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/trace"
)

// CompareTable renders resolvers side by side: one column per resolver,
// rows aligned by record, differences marked with ≠.
func CompareTable(c *diagnose.Comparison, s Styles, width int) string {
	rs := c.Resolvers
	const mark, label = 2, 28
	col := 22
	if width > 0 && len(rs) > 0 {
		col = max(14, min(34, (width-mark-label)/len(rs)))
	}
	vals := func(fn func(*trace.ResolverReply) string) []string {
		var out []string
		for _, r := range rs {
			out = append(out, fn(r))
		}
		return out
	}
	var rows [][]string
	line := func(name string, vals []string, markDiff bool) {
		m := ""
		if markDiff && slices.ContainsFunc(vals, func(v string) bool { return v != vals[0] }) {
			m = s.Bad.Render("≠")
		}
		rows = append(rows, append([]string{m, name}, vals...))
	}
	line("outcome", vals(func(r *trace.ResolverReply) string {
		if r.Error != "" {
			return "✗ " + r.Error
		}
		o := diagnose.Outcome(r, c.Query.Qtype)
		if r.Insecure {
			return strings.SplitN(o, ":", 2)[0] + " (unverified)"
		}
		return strings.SplitN(o, ":", 2)[0]
	}), true)
	line("flags", vals(func(r *trace.ResolverReply) string { return strings.Join(withoutQR(r.Flags), " ") }), true)
	// AD: the resolver validated the answer. Only validating resolvers
	// set it, so a difference here alone is no disagreement; the row is
	// shown when one did.
	if slices.ContainsFunc(rs, func(r *trace.ResolverReply) bool { return r.AD }) {
		line("DNSSEC validated (AD)", vals(func(r *trace.ResolverReply) string {
			switch {
			case r.Error != "":
				return "-"
			case r.AD:
				return "yes (AD)"
			}
			return "no"
		}), false)
	}
	line("time", vals(func(r *trace.ResolverReply) string {
		if r.Transport == "" {
			return "-"
		}
		return fmtRTT(r.RTTms) + " " + r.Transport
	}), false)
	line("extended error", vals(func(r *trace.ResolverReply) string {
		var e []string
		for _, x := range r.EDE {
			t := fmt.Sprintf("%d %s", x.Code, x.Name)
			if x.Text != "" {
				t += ": " + x.Text
			}
			e = append(e, t)
		}
		if len(e) == 0 {
			return "-"
		}
		return strings.Join(e, "; ")
	}), true)
	if anyEncrypted(rs) {
		transportRows(rs, vals, line)
	}
	if anyNSID(rs) {
		line("nsid", vals(func(r *trace.ResolverReply) string {
			if r.EDNS == nil || r.EDNS.NSID == "" {
				return "-"
			}
			return r.EDNS.NSID
		}), false)
	}
	// Records, aligned by name, type and data; each column shows the TTL.
	keys := map[string]trace.RR{}
	for _, r := range rs {
		for _, rr := range r.Answers {
			keys[rr.Key()] = rr
		}
	}
	sorted := slices.Sorted(maps.Keys(keys))
	section := -1
	if len(sorted) > 0 {
		section = len(rows) + 1 // +1: the header row
		rows = append(rows, []string{"", "answer records (TTL)"})
	}
	for _, k := range sorted {
		rr := keys[k]
		line(rr.Name+" "+rr.Type+" "+rr.Data, vals(func(r *trace.ResolverReply) string {
			for _, x := range r.Answers {
				if x.Key() == k {
					return fmt.Sprintf("%d", x.TTL)
				}
			}
			return "—"
		}), true)
	}

	heads := append([]string{"", ""}, vals(func(r *trace.ResolverReply) string { return r.Address })...)
	// Cells are cleaned and cut to their column here, so the table only
	// pads; the mark column holds an already styled ≠.
	for _, row := range append([][]string{heads}, rows...) {
		for j := 1; j < len(row); j++ {
			w := col
			if j == 1 {
				w = label
			}
			row[j] = ansi.Truncate(clean(row[j]), w-1, "…")
		}
	}
	t := table.New().Border(lipgloss.HiddenBorder()).
		BorderTop(false).BorderBottom(false).BorderLeft(false).BorderRight(false).
		BorderHeader(false).BorderColumn(false).
		Headers(heads...).Rows(rows...).
		StyleFunc(func(row, j int) lipgloss.Style {
			st := s.Text
			switch {
			case row == table.HeaderRow && j > 1:
				st = s.Title
			case row+1 == section:
				st = s.Dim
			}
			switch j {
			case 0:
				return st.Width(mark)
			case 1:
				return st.Width(label)
			}
			return st.Width(col)
		})
	return t.String() + "\n"
}

func withoutQR(flags []string) []string {
	var out []string
	for _, f := range flags {
		if f != "qr" {
			out = append(out, f)
		}
	}
	return out
}

// unverified marks what a resolver asked with --tls-insecure said.
func unverified(r *trace.ResolverReply) string {
	if r.Insecure {
		return " (TLS NOT VERIFIED)"
	}
	return ""
}

func anyEncrypted(rs []*trace.ResolverReply) bool {
	for _, r := range rs {
		if r.TLS != nil || r.Failure != nil || r.Transport == string(trace.TransportTLS) || r.Transport == string(trace.TransportHTTPS) {
			return true
		}
	}
	return false
}

// transportRows are the rows of DNS over TLS and HTTPS: where ddx
// connected, how long the connection took, the TLS session and the HTTP
// exchange. Plain resolvers show "-".
func transportRows(rs []*trace.ResolverReply, vals func(func(*trace.ResolverReply) string) []string, line func(string, []string, bool)) {
	line("connected to", vals(func(r *trace.ResolverReply) string {
		if r.Connect == "" {
			return "-"
		}
		return r.Connect
	}), false)
	line("connection", vals(connectText), false)
	line("tls", vals(func(r *trace.ResolverReply) string { return tlsText(r, true) }), false)
	line("certificate", vals(func(r *trace.ResolverReply) string {
		if r.TLS == nil || r.TLS.Subject == "" {
			return "-"
		}
		return r.TLS.Subject
	}), false)
	line("certificate expires", vals(func(r *trace.ResolverReply) string {
		if r.TLS == nil || r.TLS.NotAfter.IsZero() {
			return "-"
		}
		return r.TLS.NotAfter.Format("2006-01-02 15:04Z")
	}), false)
	line("http", vals(httpText), false)
	if slices.ContainsFunc(rs, func(r *trace.ResolverReply) bool { return r.Failure != nil }) {
		line("failed at", vals(func(r *trace.ResolverReply) string {
			if r.Failure == nil {
				return "-"
			}
			return string(r.Failure.Layer) + ": " + string(r.Failure.Kind)
		}), false)
	}
}

func connectText(r *trace.ResolverReply) string {
	switch {
	case r.TLS == nil && r.Failure == nil:
		return "-"
	case r.Reused:
		return "reused"
	case r.TLSms > 0:
		return fmt.Sprintf("TCP %s + TLS %s", fmtRTT(r.ConnectMs), fmtRTT(r.TLSms))
	}
	return "TCP " + fmtRTT(r.ConnectMs)
}

// tlsText says what TLS session was made and whether it was verified;
// short, for a table cell.
func tlsText(r *trace.ResolverReply, short bool) string {
	if r.TLS == nil {
		return "-"
	}
	v := r.TLS.Version
	if v == "" {
		v = "handshake failed"
	}
	switch {
	case r.Insecure && short:
		return v + " NOT VERIFIED"
	case r.Insecure:
		return v + ", NOT VERIFIED (--tls-insecure)"
	case r.TLS.Verified && short:
		return v + " verified"
	case r.TLS.Verified:
		return v + ", verified for " + clean(r.TLS.ServerName)
	}
	return v + ", not verified"
}

func httpText(r *trace.ResolverReply) string {
	h := r.HTTP
	if h == nil {
		return "-"
	}
	if h.Status == 0 {
		return h.Method
	}
	t := fmt.Sprintf("%s %s %d", h.Method, h.Proto, h.Status)
	if h.ContentType != "" && h.ContentType != "application/dns-message" {
		t += " " + h.ContentType
	}
	return t
}

func anyNSID(rs []*trace.ResolverReply) bool {
	for _, r := range rs {
		if r.EDNS != nil && r.EDNS.NSID != "" {
			return true
		}
	}
	return false
}

// WriteComparison renders a comparison for a terminal or a ticket: the
// table, what the authoritative servers say, and the findings.
func WriteComparison(w io.Writer, c *diagnose.Comparison, s Styles, width int) error {
	fmt.Fprintln(w, s.Title.Render(fmt.Sprintf("Compare %s %s", clean(c.Query.Name), c.Query.Type)))
	var insecure []string
	for _, r := range c.Resolvers {
		if r.Insecure {
			insecure = append(insecure, clean(r.Address))
		}
	}
	if len(insecure) > 0 {
		fmt.Fprintln(w, s.Bad.Render("⚠ TLS NOT VERIFIED (--tls-insecure): the certificates of "+strings.Join(insecure, ", ")+" were not checked; anyone on the path could have answered"))
	}
	fmt.Fprint(w, CompareTable(c, s, width))
	if c.Trace != nil {
		o := c.Trace.Outcome
		fmt.Fprintf(w, "\n%s %s\n", s.Title.Render("Authoritative (trace from the root):"), clean(o.Rcode))
		for _, a := range o.Answers {
			fmt.Fprintf(w, "  %s\n", clean(a))
		}
		fmt.Fprintf(w, "  %s\n", clean(o.Explanation))
	}
	fs := append([]diagnose.Finding{}, c.Findings...)
	if len(fs) > 0 {
		fmt.Fprintln(w)
		WriteFindings(w, fs, s)
	} else {
		fmt.Fprintln(w, "\n"+s.OK.Render("✓ the resolvers agree with each other and with the authoritative servers"))
	}
	return nil
}

// WriteResolverReply renders one resolver's reply the way dig does.
func WriteResolverReply(w io.Writer, r *trace.ResolverReply, s Styles) error {
	head := clean(r.Address)
	if r.Connect != "" && !strings.Contains(r.Address, r.Connect) {
		head += " (" + clean(r.Connect) + ")"
	}
	fmt.Fprintf(w, "%s %s\n", s.Title.Render(";; resolver"), head)
	if r.Insecure {
		fmt.Fprintln(w, s.Bad.Render(";; TLS NOT VERIFIED (--tls-insecure): the certificate was not checked; anyone on the path could have answered"))
	}
	writeTransport(w, r)
	if r.Error != "" {
		msg := ";; no answer: " + clean(r.Error)
		if r.Failure != nil {
			msg = fmt.Sprintf(";; no answer, at the %s layer: %s", layerWord(r.Failure.Layer), clean(r.Error))
		}
		_, err := fmt.Fprintf(w, "%s\n", s.Bad.Render(msg))
		return err
	}
	fmt.Fprintf(w, ";; status: %s, flags: %s; %s over %s%s\n", r.Rcode, strings.Join(withoutQR(r.Flags), " "), fmtRTT(r.RTTms), r.Transport, unverified(r))
	if r.EDNS != nil {
		fmt.Fprintf(w, ";; EDNS: udp %d", r.EDNS.UDPSize)
		if r.EDNS.NSID != "" {
			fmt.Fprintf(w, ", NSID %q", r.EDNS.NSID)
		}
		fmt.Fprintln(w)
	}
	for _, e := range r.EDE {
		fmt.Fprintf(w, ";; EDE %d (%s): %s\n", e.Code, e.Name, clean(e.Text))
	}
	for _, sec := range []struct {
		name string
		rrs  []trace.RR
	}{{"ANSWER", r.Answers}, {"AUTHORITY", r.Authority}, {"ADDITIONAL", r.Additional}} {
		if len(sec.rrs) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n;; %s SECTION:\n", sec.name)
		for _, rr := range sec.rrs {
			fmt.Fprintf(w, "%s\t%d\tIN\t%s\t%s\n", clean(rr.Name), rr.TTL, rr.Type, clean(strings.TrimSpace(rr.Data)))
		}
	}
	return nil
}

func layerWord(l trace.FailureLayer) string {
	switch l {
	case trace.LayerConnect:
		return "TCP"
	case trace.LayerTLS:
		return "TLS"
	case trace.LayerHTTP:
		return "HTTP"
	}
	return "DNS"
}

// writeTransport writes, dig-like, how a DNS over TLS or HTTPS resolver
// was reached.
func writeTransport(w io.Writer, r *trace.ResolverReply) {
	if r.TLS == nil && r.HTTP == nil && r.Failure == nil {
		return
	}
	if c := connectText(r); c != "-" {
		fmt.Fprintf(w, ";; connection: %s\n", c)
	}
	if ti := r.TLS; ti != nil {
		fmt.Fprintf(w, ";; TLS: %s", tlsText(r, false))
		if ti.Subject != "" {
			fmt.Fprintf(w, "; certificate %s, issuer %s, expires %s", clean(ti.Subject), clean(ti.Issuer), ti.NotAfter.Format("2006-01-02 15:04Z"))
		}
		if ti.ALPN != "" {
			fmt.Fprintf(w, "; ALPN %s", clean(ti.ALPN))
		}
		fmt.Fprintln(w)
	}
	if h := httpText(r); h != "-" {
		fmt.Fprintf(w, ";; HTTP: %s\n", clean(h))
	}
}
