package ui

import "github.com/charmbracelet/bubbles/key"

// KeyMap is every key binding of the explorer, as data for bubbles/help.
type KeyMap struct {
	Up, Down, Left, Right, Toggle, ExpandAll, CollapseAll key.Binding
	PageUp, PageDown, Top, Bottom                         key.Binding
	NextProblem, PrevProblem, Copy                        key.Binding
	Tab, Filter, Next, Prev, Findings, Rerun, Type, Write key.Binding
	Open, Chain                                           key.Binding
	Help, Quit, Interrupt, Cancel                         key.Binding
}

// DefaultKeyMap is the explorer's bindings.
func DefaultKeyMap() KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Up:          b("↑/k", "up", "up", "k"),
		Down:        b("↓/j", "down", "down", "j"),
		Left:        b("←/h", "collapse", "left", "h"),
		Right:       b("→/l", "expand", "right", "l"),
		Toggle:      b("enter", "open", "enter", " "),
		ExpandAll:   b("E", "expand all", "E"),
		CollapseAll: b("C", "collapse all", "C"),
		PageUp:      b("pgup", "page up", "pgup", "ctrl+b"),
		PageDown:    b("pgdn", "page down", "pgdown", "ctrl+f"),
		Top:         b("g/home", "first", "home", "g"),
		Bottom:      b("G/end", "last", "end", "G"),
		NextProblem: b("]", "next problem", "]"),
		PrevProblem: b("[", "previous problem", "["),
		Copy:        b("y", "copy", "y"),
		Tab:         b("tab", "pane", "tab", "shift+tab"),
		Filter:      b("/", "filter", "/"),
		Next:        b("n", "next match", "n"),
		Prev:        b("N", "previous match", "N"),
		Findings:    b("f", "findings", "f"),
		Rerun:       b("r", "re-run", "r"),
		Type:        b("t", "query type", "t"),
		Write:       b("w", "write to file", "w"),
		Open:        b("o", "trace", "o"),
		Chain:       b("d", "dnssec", "d"),
		Help:        b("?", "help", "?"),
		Quit:        b("q", "quit", "q"),
		Interrupt:   b("ctrl+c", "interrupt (exit 130)", "ctrl+c"),
		Cancel:      b("esc", "cancel", "esc"),
	}
}

// ShortHelp is the help line; it fits 80 columns (y copy is on the help
// screen).
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Toggle, k.NextProblem, k.Tab, k.Open, k.Chain, k.Help, k.Quit}
}

// FullHelp is the help screen, in columns that fit 80 columns.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.Left, k.Right, k.Toggle, k.ExpandAll, k.CollapseAll, k.PageUp, k.PageDown},
		{k.Top, k.Bottom, k.NextProblem, k.PrevProblem, k.Tab, k.Findings, k.Filter, k.Next, k.Prev},
		{k.Copy, k.Open, k.Chain, k.Type, k.Rerun, k.Write, k.Help, k.Quit, k.Cancel},
	}
}
