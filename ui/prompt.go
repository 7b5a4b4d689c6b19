package ui

import (
	"encoding/json"
	"os"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/ddxdns/ddx/trace"
)

// inputMode is what the one-line prompt in the footer is asking for.
type inputMode int

const (
	modeNormal inputMode = iota
	modeFilter
	modeType
	modeWrite
	modeName
)

// label is the prompt shown before the input.
func (i inputMode) label() string {
	return [...]string{"", "filter: ", "query type: ", "write to (.json for JSON): ", "trace name: "}[i]
}

// prompt opens the prompt for mode with an initial value.
func (m Model) prompt(mode inputMode, value string) (tea.Model, tea.Cmd) {
	m.mode = mode
	m.input.SetValue(value)
	m.input.CursorEnd()
	m.input.Focus() // the cursor does not blink: no command to run
	return m, nil
}

// inputKey handles a key while a prompt is open: esc closes it, enter
// acts on it, anything else edits it (and a filter applies as it is typed).
func (m Model) inputKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch msg.Type {
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
			m.message = m.writeFile(v)
		case modeName:
			if v == "" {
				return m, nil
			}
			m.name = strings.ToLower(strings.TrimSuffix(v, ".")) + "."
			m.tree.Reset()
			return m.rerun()
		}
		m.updateDetail()
		return m, nil
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	if m.mode == modeFilter {
		m.tree.SetFilter(strings.TrimSpace(m.input.Value()))
		m.updateDetail()
	}
	return m, cmd
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
	if strings.HasSuffix(path, ".json") {
		enc := json.NewEncoder(f)
		enc.SetIndent("", "  ")
		err = enc.Encode(m.report)
	} else {
		err = WriteText(f, m.report, Plain(), TextOptions{})
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "cannot write: " + clean(err.Error())
	}
	return "wrote " + clean(path)
}
