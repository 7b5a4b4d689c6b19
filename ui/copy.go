package ui

import (
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// Copying: y asks what to copy (the row, the raw reply, or a dig command
// that asks the same question), and the terminal's clipboard gets it by
// OSC 52, which works over SSH and inside tmux (set-clipboard on).

// osc52 returns a clipboard that writes the OSC 52 sequence to w.
func osc52(w io.Writer) func(string) error {
	return func(text string) error {
		_, err := io.WriteString(w, ansi.SetSystemClipboard(text))
		return err
	}
}

// copyWhat copies the selection in the form asked for ('r' row, 'p' the
// raw reply, 'd' a dig command) and says what it did.
func (m *Model) copyWhat(what rune) string {
	text, name := m.copyText(what)
	if text == "" {
		return "nothing to copy here"
	}
	if m.opt.Clipboard == nil {
		return "no clipboard on this terminal"
	}
	if err := m.opt.Clipboard(text); err != nil {
		return "cannot copy: " + clean(err.Error())
	}
	first, _, _ := strings.Cut(text, "\n")
	return "copied " + name + ": " + clean(first)
}

func (m *Model) copyText(what rune) (text, name string) {
	n := m.tree.Selected()
	switch what {
	case 'p':
		if q := nodeQuery(n); q != nil && q.Reply != nil {
			return strings.ReplaceAll(q.Reply.String(), "\t", " "), "the reply"
		}
		if n != nil && n.kind == nkStep && n.step.Delegation.Raw != nil {
			return strings.ReplaceAll(n.step.Delegation.Raw.String(), "\t", " "), "the referral"
		}
		return m.detail.Text(), "the detail"
	case 'd':
		return digCommand(m.name, dns.Type(m.qtype).String(), n), "the dig command"
	}
	if f, ok := m.findings.Selected(); ok && m.focus == paneFindings {
		return fmt.Sprintf("%s %s %s: %s", strings.ToUpper(f.Severity.String()), f.ID, f.Zone, prose(f.Summary)), "the finding"
	}
	if m.focus == paneDetail {
		return m.detail.Text(), "the detail"
	}
	if n == nil {
		return "", ""
	}
	return n.label, "the row"
}

// digCommand is the dig command that asks what the selected node asked:
// the same server, name, type and flags; the whole trace otherwise.
func digCommand(name, qtype string, n *node) string {
	q := nodeQuery(n)
	var srv *trace.Server
	if n != nil {
		srv = n.server
	}
	if q == nil || srv == nil {
		if n != nil && n.step != nil {
			return fmt.Sprintf("dig %s %s +trace", n.step.Name, n.step.Type)
		}
		return fmt.Sprintf("dig %s %s +trace", name, qtype)
	}
	cmd := fmt.Sprintf("dig @%s %s %s", srv.Address, q.Name, q.Type)
	if !q.RD {
		cmd += " +norecurse"
	}
	// As first sent: later tries may have dropped EDNS or moved to TCP.
	transport, edns := q.Transport, q.EDNS
	if len(q.Attempts) > 0 {
		transport, edns = q.Attempts[0].Transport, q.Attempts[0].EDNS
	}
	if transport == "tcp" {
		cmd += " +tcp"
	}
	if !edns {
		cmd += " +noedns"
	}
	return cmd
}

// nodeQuery is the query a node is about: its own, or a server's main
// question.
func nodeQuery(n *node) *trace.Query {
	if n == nil {
		return nil
	}
	if n.query != nil {
		return n.query
	}
	if n.kind == nkServer {
		for _, q := range n.server.Queries {
			if q.Purpose == trace.PurposeResolve {
				return q
			}
		}
	}
	return nil
}
