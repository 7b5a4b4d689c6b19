// Package ui renders ddx reports: one-shot text for terminals, scripts and
// tickets, and the explorable full-screen tree.
package ui

import (
	"io"
	"os"

	"github.com/charmbracelet/lipgloss"
	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/trace"
	"github.com/muesli/termenv"
)

// Styles are every style ddx uses, built for one renderer so that tests
// and pipes get plain text.
type Styles struct {
	Zone, Server, Addr, Dim, OK, Referral, Warn, Bad, Crit, Title, Key lipgloss.Style
	// Selected is the cursor's row in the focused pane, across its width;
	// Cursor is the same row in a pane without the focus.
	Selected, Cursor lipgloss.Style
	// Text has no colour or emphasis: the base for layout (widths, padding).
	Text  lipgloss.Style
	Color bool
}

// ColorMode is --color: auto, always or never.
type ColorMode string

// Color modes.
const (
	ColorAuto   ColorMode = "auto"
	ColorAlways ColorMode = "always"
	ColorNever  ColorMode = "never"
)

// NewStyles builds styles for output to w. auto means colour only on a
// terminal and only without NO_COLOR.
func NewStyles(w io.Writer, mode ColorMode) Styles {
	r := lipgloss.NewRenderer(w)
	switch {
	case mode == ColorNever:
		r.SetColorProfile(termenv.Ascii)
	case mode == ColorAlways:
		r.SetColorProfile(termenv.ANSI256)
	case os.Getenv("NO_COLOR") != "":
		r.SetColorProfile(termenv.Ascii)
	}
	color := r.ColorProfile() != termenv.Ascii
	st := func() lipgloss.Style { return r.NewStyle() }
	return Styles{
		Zone:     st().Bold(true).Foreground(lipgloss.Color("12")),
		Server:   st().Foreground(lipgloss.Color("14")),
		Addr:     st().Foreground(lipgloss.Color("8")),
		Dim:      st().Foreground(lipgloss.Color("8")),
		OK:       st().Foreground(lipgloss.Color("10")),
		Referral: st().Foreground(lipgloss.Color("12")),
		Warn:     st().Foreground(lipgloss.Color("11")),
		Bad:      st().Foreground(lipgloss.Color("9")),
		Crit:     st().Bold(true).Foreground(lipgloss.Color("9")),
		Title:    st().Bold(true),
		Key:      st().Bold(true).Foreground(lipgloss.Color("13")),
		Selected: st().Reverse(true),
		Cursor:   st().Background(lipgloss.Color("236")),
		Text:     st(),
		Color:    color,
	}
}

// Plain is styles without colour, for tests and files.
func Plain() Styles { return NewStyles(io.Discard, ColorNever) }

// ForSeverity is the style of a finding's severity.
func (s Styles) ForSeverity(sev diagnose.Severity) lipgloss.Style {
	switch sev {
	case diagnose.Critical:
		return s.Crit
	case diagnose.Error:
		return s.Bad
	case diagnose.Warning:
		return s.Warn
	}
	return s.Dim
}

// ForOutcome is the style of an outcome's rcode.
func (s Styles) ForOutcome(rcode string) lipgloss.Style {
	switch rcode {
	case trace.RcodeServFail:
		return s.Crit
	case trace.RcodeDepends:
		return s.Bad
	case trace.RcodeNXDomain, trace.RcodeNoData, trace.RcodeIncomplete:
		return s.Warn
	}
	return s.OK
}

// ForSecurity is the style of a DNSSEC validation state.
func (s Styles) ForSecurity(sec string) lipgloss.Style {
	switch sec {
	case "bogus":
		return s.Crit
	case "secure":
		return s.OK
	}
	return s.Dim
}

// ForStatus is the style of a status symbol, in the text and the tree.
func (s Styles) ForStatus(st status) lipgloss.Style {
	switch st {
	case stOK, stAlias:
		return s.OK
	case stReferral:
		return s.Referral
	case stTimeout, stRefused, stNegative:
		return s.Warn
	case stLame, stError:
		return s.Bad
	}
	return s.Dim
}
