package ui

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// inputMode is what the one-line prompt in the footer is asking for.
type inputMode int

const (
	modeNormal inputMode = iota
	modeFilter
	modeType
	modeWrite
	modeName
	modeCopy      // one key: what y copies
	modeOverwrite // one key: y overwrites the file named in the input
)

// label is the prompt shown before the input.
func (i inputMode) label() string {
	return [...]string{"", "filter: ", "query type: ", "write to (.json for JSON): ", "trace NAME [TYPE] or an address: ",
		"copy: r the row · p the raw reply · d a dig command · esc cancel", "the file exists; overwrite it? y/n "}[i]
}

// prompt opens the prompt for mode with an initial value.
func (m Model) prompt(mode inputMode, value string) (tea.Model, tea.Cmd) {
	m.mode = mode
	m.pickCursor = 0
	m.input.SetValue(value)
	m.input.CursorEnd()
	m.input.Focus() // the cursor does not blink: no command to run
	return m, nil
}

// inputKey handles a key while a prompt is open: esc closes it, enter
// acts on it, anything else edits it (and a filter applies as it is typed).
func (m Model) inputKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	if m.mode == modeOverwrite {
		m.mode = modeNormal
		m.input.Blur()
		path := strings.TrimSpace(m.input.Value())
		if msg.Type == tea.KeyRunes && string(msg.Runes) == "y" {
			m.message = m.writeFile(path)
		} else {
			m.message = "not written: " + clean(path) + " is as it was"
		}
		return m, nil
	}
	if m.mode == modeCopy {
		m.mode = modeNormal
		if msg.Type == tea.KeyRunes && len(msg.Runes) == 1 && strings.ContainsRune("rpdy", msg.Runes[0]) {
			r := msg.Runes[0]
			if r == 'y' {
				r = 'r' // yy: the row, as in vi
			}
			m.message = m.copyWhat(r)
		}
		return m, nil
	}
	switch msg.Type {
	case tea.KeyUp, tea.KeyDown:
		if m.mode == modeName && len(m.opt.Picks) > 0 {
			if msg.Type == tea.KeyUp {
				m.movePick(-1)
			} else {
				m.movePick(1)
			}
			return m, nil
		}
	case tea.KeyEsc:
		m.mode = modeNormal
		m.input.Blur()
		return m, nil
	case tea.KeyEnter:
		v := strings.TrimSpace(m.input.Value())
		mode := m.mode
		m.mode = modeNormal
		m.input.Blur()
		switch mode {
		case modeFilter:
			m.tree.SetFilter(v)
			m.message = m.tree.NextMatch(0)
		case modeType:
			t, err := trace.ParseType(v)
			if err != nil {
				m.message = "unknown type " + clean(v)
				return m, nil
			}
			m.qtype = t
			return m.rerun()
		case modeWrite:
			if _, err := os.Stat(v); err == nil && m.report != nil {
				m.mode = modeOverwrite // ask first
				return m, nil
			}
			m.message = m.writeFile(v)
		case modeName:
			if p, ok := m.picked(); ok && len(m.opt.Picks) > 0 {
				v = p.Target
			}
			if v == "" {
				return m, nil
			}
			name, qtype, err := ParseTarget(v)
			if err != nil {
				// Nothing is cleared: the prompt stays, to be corrected.
				m.mode = modeName
				m.input.Focus()
				m.message = clean(err.Error())
				return m, nil
			}
			m.name, m.qtype = name, qtype
			m.tree.Reset()
			return m.rerun()
		}
		m.updateDetail()
		return m, nil
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	m.pickCursor = min(m.pickCursor, max(0, len(m.picks())-1))
	if m.mode == modeFilter {
		m.tree.SetFilter(strings.TrimSpace(m.input.Value()))
		m.updateDetail()
	}
	return m, cmd
}

// ParseTarget reads what o was given: NAME [TYPE] (or dig's TYPE NAME),
// or an IP address, which becomes its PTR name. The type is A unless
// given (PTR for an address).
func ParseTarget(v string) (name string, qtype uint16, err error) {
	f := strings.Fields(v)
	if len(f) == 0 || len(f) > 2 {
		return "", 0, fmt.Errorf("give a name and, if you like, a type: NAME [TYPE]")
	}
	qtype = dns.TypeA
	if len(f) == 2 {
		t, terr := trace.ParseType(f[1])
		if terr != nil {
			// dig's order, TYPE NAME, when the type is written as one
			// (MX, not mx: "a b.test" is a name with a space).
			if t0, err0 := trace.ParseType(f[0]); err0 == nil && f[0] == strings.ToUpper(f[0]) {
				t, terr, f[0] = t0, nil, f[1]
			}
		}
		if terr != nil {
			return "", 0, fmt.Errorf("%q: a name has no spaces, and %s is not a type (NAME [TYPE])", v, f[1])
		}
		qtype = t
	}
	if ip, perr := netip.ParseAddr(f[0]); perr == nil {
		rev, rerr := dns.ReverseAddr(ip.String())
		if rerr != nil {
			return "", 0, rerr
		}
		if len(f) == 1 {
			qtype = dns.TypePTR
		}
		f[0] = rev
	}
	fqdn, _, err := trace.ParseName(f[0])
	if err != nil {
		return "", 0, err
	}
	return fqdn, qtype, nil
}

// writeFile saves the finished report as JSON (.json) or text, and says
// what it did.
func (m *Model) writeFile(path string) string {
	if m.report == nil {
		return "the trace has not finished yet"
	}
	if path == "" {
		return "no file name given"
	}
	f, err := os.Create(path)
	if err != nil {
		return "cannot write: " + clean(err.Error())
	}
	// The screen folds what is healthy; the file holds the report whole,
	// and the message says so.
	what := "the report as text, with every zone cut, not only the open rows"
	if strings.HasSuffix(path, ".json") {
		enc := json.NewEncoder(f)
		enc.SetIndent("", "  ")
		err = enc.Encode(m.report)
		what = "the whole trace as JSON, every query and reply: ddx show reads it"
	} else {
		err = WriteText(f, m.report, Plain(), TextOptions{Brief: true})
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "cannot write: " + clean(err.Error())
	}
	return "wrote " + clean(path) + ": " + what
}
