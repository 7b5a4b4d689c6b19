package ui

import "github.com/charmbracelet/bubbles/key"

// KeyMap is every key binding of the explorer, as data for bubbles/help.
type KeyMap struct {
	Up, Down, Left, Right, Toggle, ExpandAll, CollapseAll key.Binding
	Tab, Filter, Next, Prev, Findings, Rerun, Type, Write key.Binding
	Open                                                  key.Binding
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
		Toggle:      b("enter", "toggle / jump", "enter", " "),
		ExpandAll:   b("E", "expand all", "E"),
		CollapseAll: b("C", "collapse all", "C"),
		Tab:         b("tab", "switch pane", "tab", "shift+tab"),
		Filter:      b("/", "filter", "/"),
		Next:        b("n", "next match", "n"),
		Prev:        b("N", "previous match", "N"),
		Findings:    b("f", "findings", "f"),
		Rerun:       b("r", "re-run", "r"),
		Type:        b("t", "query type", "t"),
		Write:       b("w", "write to file", "w"),
		Open:        b("o", "trace another name", "o"),
		Help:        b("?", "help", "?"),
		Quit:        b("q", "quit", "q"),
		Interrupt:   b("ctrl+c", "interrupt (exit 130)", "ctrl+c"),
		Cancel:      b("esc", "cancel", "esc"),
	}
}

// ShortHelp is the help line.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Toggle, k.Tab, k.Findings, k.Filter, k.Help, k.Quit}
}

// FullHelp is the help screen.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.Left, k.Right, k.Toggle, k.ExpandAll, k.CollapseAll},
		{k.Tab, k.Findings, k.Filter, k.Next, k.Prev},
		{k.Rerun, k.Type, k.Open, k.Write, k.Help, k.Quit, k.Cancel},
	}
}
