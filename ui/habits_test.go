package ui

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/miekg/dns"
)

func runes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

// TestKeysThatArriveTogether: "jjj" in one read moves three rows, "kk"
// two; "o" followed by a name in the same read types the name.
func TestKeysThatArriveTogether(t *testing.T) {
	m := finished(t, "www.lame.test.", 80, 24)
	start := m.tree.cursor
	m = send(t, m, runes("kkk"))
	if m.tree.cursor != start-3 {
		t.Fatalf("kkk: cursor %d, want %d", m.tree.cursor, start-3)
	}
	m = send(t, m, runes("jj"))
	if m.tree.cursor != start-1 {
		t.Errorf("jj: cursor %d, want %d", m.tree.cursor, start-1)
	}
	m = send(t, m, runes("o"+"www.healthy.test"))
	if m.mode != modeName || m.input.Value() != "www.healthy.test" {
		t.Errorf("o and a name in one read: mode %d, input %q", m.mode, m.input.Value())
	}
}

// TestPagingInEveryPane: PgUp/PgDn, g/G (Home/End) in the tree, the
// findings and the detail, which scrolls by a page.
func TestPagingInEveryPane(t *testing.T) {
	m := finished(t, "gone.lab.", 80, 24)
	m = keys(t, m, "E") // every row
	m = send(t, m, tea.KeyMsg{Type: tea.KeyHome})
	if m.tree.cursor != 0 {
		t.Errorf("home: tree cursor %d", m.tree.cursor)
	}
	m = send(t, m, tea.KeyMsg{Type: tea.KeyPgDown})
	if m.tree.cursor != m.tree.height {
		t.Errorf("pgdown: tree cursor %d, want a page (%d)", m.tree.cursor, m.tree.height)
	}
	m = keys(t, m, "G")
	if m.tree.cursor != len(m.tree.rows)-1 {
		t.Errorf("G: tree cursor %d of %d rows", m.tree.cursor, len(m.tree.rows))
	}
	m = send(t, m, tea.KeyMsg{Type: tea.KeyPgUp})
	if m.tree.cursor != len(m.tree.rows)-1-m.tree.height {
		t.Errorf("pgup: tree cursor %d", m.tree.cursor)
	}
	m = keys(t, m, "g")
	if m.tree.cursor != 0 {
		t.Errorf("g: tree cursor %d", m.tree.cursor)
	}

	m = keys(t, m, "f", "G")
	if m.findings.cursor != m.findings.Len()-1 {
		t.Errorf("G in findings: cursor %d of %d", m.findings.cursor, m.findings.Len())
	}
	m = send(t, m, tea.KeyMsg{Type: tea.KeyHome})
	if m.findings.cursor != 0 {
		t.Errorf("home in findings: cursor %d", m.findings.cursor)
	}

	// The detail of a server with a long reply scrolls by a page.
	m = finished(t, "www.lame.test.", 80, 24)
	m = keys(t, m, "g", "j", "right", "j", "right", "j", "tab") // the root's first server's question
	if m.focus != paneDetail || m.detail.vp.TotalLineCount() <= m.detail.vp.Height {
		t.Fatalf("focus %d, detail of %d lines in %d", m.focus, m.detail.vp.TotalLineCount(), m.detail.vp.Height)
	}
	m = send(t, m, tea.KeyMsg{Type: tea.KeyPgDown})
	if got := m.detail.vp.YOffset; got == 0 || got < min(m.detail.vp.Height, m.detail.vp.TotalLineCount()-m.detail.vp.Height) {
		t.Errorf("pgdown in the detail scrolled to %d, want a page (%d)", got, m.detail.vp.Height)
	}
	m = keys(t, m, "g")
	if m.detail.vp.YOffset != 0 {
		t.Errorf("g in the detail: offset %d", m.detail.vp.YOffset)
	}
	// Another selection starts at the top of its detail.
	m = send(t, m, tea.KeyMsg{Type: tea.KeyPgDown})
	m = keys(t, m, "tab", "tab", "j")
	if m.detail.vp.YOffset != 0 {
		t.Errorf("the detail of another row starts scrolled to %d", m.detail.vp.YOffset)
	}
}

// TestMouseClickSelects: a click on a tree row selects it; on a finding,
// focuses the findings and selects it.
func TestMouseClickSelects(t *testing.T) {
	m := finished(t, "www.serial.test.", 140, 45)
	top := len(m.headerLines()) + m.bannerLines() + 1
	m = send(t, m, tea.MouseMsg{X: 5, Y: top + 2, Button: tea.MouseButtonLeft, Action: tea.MouseActionPress})
	if m.focus != paneTree || m.tree.cursor != m.tree.offset+2 {
		t.Errorf("click on the third row: focus %d, cursor %d (offset %d)", m.focus, m.tree.cursor, m.tree.offset)
	}
	_, dh := m.paneSize(paneDetail)
	m = send(t, m, tea.MouseMsg{X: 100, Y: top + dh + 2, Button: tea.MouseButtonLeft, Action: tea.MouseActionPress})
	if m.focus != paneFindings || m.findings.cursor != 1 {
		t.Errorf("click on the second finding: focus %d, cursor %d\n%s", m.focus, m.findings.cursor, m.View())
	}
}

// TestNextProblemAndBreadcrumb: ] and [ walk the problems, opening the
// path; the pane's title says where the selection sits.
func TestNextProblemAndBreadcrumb(t *testing.T) {
	m := finished(t, "gone.lab.", 80, 24)
	if v := m.View(); !strings.Contains(v, "▌. (root) › lab. › gone.lab. › ns1.gone-hosting.test. 203.0.113.91") {
		t.Errorf("no breadcrumb:\n%s", v)
	}
	m = keys(t, m, "g", "]")
	first := m.tree.Selected()
	if first == nil || !(first.status.problem() || first.flagged) || !strings.HasPrefix(m.message, "problem 1 of") {
		t.Fatalf("] selected %+v, message %q", first, m.message)
	}
	m = keys(t, m, "]")
	second := m.tree.Selected()
	if second == first || !strings.HasPrefix(m.message, "problem 2 of") {
		t.Errorf("] again: %q, %q", second.label, m.message)
	}
	m = keys(t, m, "[")
	if m.tree.Selected() != first {
		t.Errorf("[ did not go back to %q", first.label)
	}
}

// TestEvidenceIsCentred: a jump to evidence puts the row mid-pane.
func TestEvidenceIsCentred(t *testing.T) {
	m := finished(t, "gone.lab.", 80, 24)
	m = keys(t, m, "E", "g", "f", "G", "enter") // every row open; the last finding's evidence is far down
	if m.focus != paneTree || !strings.HasPrefix(m.message, "evidence of") {
		t.Fatalf("focus %d, message %q after enter on a finding", m.focus, m.message)
	}
	if p := m.tree; p.cursor < p.height || p.cursor-p.offset != p.height/2 {
		t.Errorf("evidence on row %d, line %d of %d: want the middle", p.cursor, p.cursor-p.offset, p.height)
	}
}

// TestSelectedRowSpansTheWidth: with colour, the cursor's row is one
// highlighted bar as wide as the pane.
func TestSelectedRowSpansTheWidth(t *testing.T) {
	m := NewModel(t.Context(), Options{Name: "www.lame.test.", Qtype: dns.TypeA, Start: simStart(t), Styles: NewStyles(&bytes.Buffer{}, ColorAlways), Now: fixedNow})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m = send(t, next.(Model), startMsg{})
	lines := strings.Split(m.tree.View(), "\n")
	row := lines[m.tree.cursor-m.tree.offset]
	if !strings.Contains(row, "\x1b[7m") || ansi.StringWidth(row) != m.tree.width || !strings.HasSuffix(ansi.Strip(row), " ") {
		t.Errorf("the selected row is not a bar across %d columns: %q", m.tree.width, row)
	}
}

// TestCopy: y then r, p or d copies the row, the raw reply or a dig
// command, through the clipboard (OSC 52 in a terminal).
func TestCopy(t *testing.T) {
	var got []string
	m := NewModel(t.Context(), Options{Name: "gone.lab.", Qtype: dns.TypeA, Start: simStart(t), Styles: Plain(), Now: fixedNow,
		Clipboard: func(s string) error { got = append(got, s); return nil }})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m = send(t, next.(Model), startMsg{})
	m = keys(t, m, "y", "d")
	if len(got) != 1 || got[0] != "dig @203.0.113.91 gone.lab. A +norecurse" {
		t.Errorf("y d copied %q", got)
	}
	if !strings.Contains(m.View(), "copied the dig command") {
		t.Errorf("no word of the copy:\n%s", m.View())
	}
	m = keys(t, m, "y", "y")
	if len(got) != 2 || !strings.HasPrefix(got[1], "ns1.gone-hosting.test. 203.0.113.91") {
		t.Errorf("y y copied %q", got)
	}
	m = keys(t, m, "g", "j", "right", "j", "y", "p") // the root's first server
	if len(got) != 3 || !strings.Contains(got[2], ";; QUESTION SECTION:") {
		t.Errorf("y p copied %q (selected %q)", got, m.tree.Selected().label)
	}
	var b bytes.Buffer
	if err := osc52(&b)("dig x"); err != nil || b.String() != "\x1b]52;c;"+base64.StdEncoding.EncodeToString([]byte("dig x"))+"\a" {
		t.Errorf("OSC 52: %q", b.String())
	}
}

// TestOpenTakesNameAndType: o reads NAME [TYPE], resets the type, turns
// an address into its PTR name, and refuses bad input before clearing
// anything.
func TestOpenTakesNameAndType(t *testing.T) {
	for _, c := range []struct {
		in    string
		name  string
		qtype uint16
	}{
		{"big.tcp.test TXT", "big.tcp.test.", dns.TypeTXT},
		{"MX mxalias.test", "mxalias.test.", dns.TypeMX},
		{"www.healthy.test", "www.healthy.test.", dns.TypeA},
		{"192.0.2.10", "10.2.0.192.in-addr.arpa.", dns.TypePTR},
		{"2001:db8::11", "1.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", dns.TypePTR},
	} {
		name, qtype, err := ParseTarget(c.in)
		if err != nil || name != c.name || qtype != c.qtype {
			t.Errorf("ParseTarget(%q) = %q %d %v, want %q %d", c.in, name, qtype, err, c.name, c.qtype)
		}
	}
	for _, bad := range []string{"a b.test", "x.test NOSUCHTYPE", "a b c", "bad..name"} {
		if _, _, err := ParseTarget(bad); err == nil {
			t.Errorf("ParseTarget(%q) accepted", bad)
		}
	}

	m := finished(t, "www.lame.test.", 80, 24)
	m.qtype = dns.TypeMX
	m = keys(t, m, "o", "a b.test", "enter")
	if m.mode != modeName || m.name != "www.lame.test." || m.Report() == nil || len(m.tree.rows) == 0 || m.message == "" {
		t.Errorf("a bad name cleared the screen or closed the prompt: mode %d, name %s, message %q", m.mode, m.name, m.message)
	}
	m.input.SetValue("")
	m = keys(t, m, "www.healthy.test", "enter")
	if m.name != "www.healthy.test." || m.qtype != dns.TypeA || m.Report() == nil || m.Report().Query.Name != "www.healthy.test." {
		t.Errorf("o www.healthy.test: name %s type %d", m.name, m.qtype)
	}
}

// TestCtrlCInHelp: ctrl+c interrupts from the help screen too.
func TestCtrlCInHelp(t *testing.T) {
	m := keys(t, finished(t, "www.lame.test.", 80, 24), "?")
	if !m.showHelp {
		t.Fatal("? did not open the help")
	}
	next, cmd := m.Update(tea.KeyMsg{Type: tea.KeyCtrlC})
	if !next.(Model).interrupted || cmd == nil {
		t.Errorf("ctrl+c in the help: interrupted %v", next.(Model).interrupted)
	}
}

// TestNoStaleState: the status line and the detail's scroll follow the
// selection; wrapped detail lines keep their indent.
func TestNoStaleState(t *testing.T) {
	m := keys(t, finished(t, "www.lame.test.", 80, 24), "f", "enter")
	if !strings.Contains(m.message, "evidence of") {
		t.Fatalf("message %q", m.message)
	}
	m = keys(t, m, "j")
	if m.message != "" {
		t.Errorf("the message about the old selection stays: %q", m.message)
	}
	got := wrapLines("  a.root.test.  no glue; addresses 198.51.100.1 2001:db8:100::1", 40)
	for _, l := range strings.Split(got, "\n") {
		if !strings.HasPrefix(l, "  ") || strings.HasPrefix(l, "   ") {
			t.Errorf("wrapped line without its indent: %q in\n%s", l, got)
		}
	}
}

// TestSameFindingTwiceSaysWhichServer: two server-timeout findings name
// their servers in the list.
func TestSameFindingTwiceSaysWhichServer(t *testing.T) {
	m := keys(t, finished(t, "gone.lab.", 140, 45), "f")
	v := m.findings.View()
	for _, want := range []string{"server-timeout ns1.gone-hosting.test.", "server-timeout ns2.gone-hosting.test."} {
		if !strings.Contains(v, want) {
			t.Errorf("the findings list does not say %q:\n%s", want, v)
		}
	}
}

// TestPickList: with picks (the demo's scenarios), o lists them; typing
// narrows the list, ↓ chooses, enter traces the chosen one with its type.
func TestPickList(t *testing.T) {
	m := NewModel(t.Context(), Options{Name: "www.lame.test.", Qtype: dns.TypeA, Start: simStart(t), Styles: Plain(), Now: fixedNow,
		Picks: []Pick{{"www.healthy.test", "healthy"}, {"big.tcp.test TXT", "a truncated answer"}, {"mxalias.test MX", "an MX alias"}}})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m = send(t, next.(Model), startMsg{})
	m = keys(t, m, "o")
	v := m.View()
	if !strings.Contains(v, "›www.healthy.test  ") || !strings.Contains(v, " big.tcp.test TXT  a truncated answer") {
		t.Fatalf("o does not list the picks:\n%s", v)
	}
	m = keys(t, m, "t")
	m = send(t, m, tea.KeyMsg{Type: tea.KeyDown})
	if p, ok := m.picked(); !ok || p.Target != "big.tcp.test TXT" {
		t.Fatalf("t then ↓ picks %+v", p)
	}
	m = keys(t, m, "enter")
	if m.name != "big.tcp.test." || m.qtype != dns.TypeTXT || m.Report() == nil || m.Report().Query.Type != "TXT" {
		t.Errorf("enter traced %s %d", m.name, m.qtype)
	}
}

// TestResizeKeepsTheSelection: narrow to wide and back, the same row.
func TestResizeKeepsTheSelection(t *testing.T) {
	m := finished(t, "gone.lab.", 80, 24)
	m = keys(t, m, "]", "]")
	sel := m.tree.Selected()
	for _, size := range [][2]int{{140, 45}, {80, 24}, {40, 12}, {200, 60}} {
		m = send(t, m, tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		if m.tree.Selected() != sel {
			t.Errorf("%dx%d: selection %q, was %q", size[0], size[1], m.tree.Selected().label, sel.label)
		}
		if i := m.tree.cursor - m.tree.offset; i < 0 || i >= m.tree.height {
			t.Errorf("%dx%d: the selection is off the pane", size[0], size[1])
		}
	}
}
