package ui

import (
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/ddxdns/ddx/diagnose"
)

// Explain writes one catalogue entry for a terminal, wrapped at width:
// what the finding means, why it matters, how to fix it, references.
func Explain(w io.Writer, r *diagnose.Rule, width int) error {
	width = max(width, 40)
	_, err := fmt.Fprintf(w, "%s (%s): %s\n\n%s\n\nFix: %s\n\nReferences: %s\n",
		r.ID, r.Severity, r.Title,
		ansi.Wordwrap(r.Doc, width, ""),
		ansi.Wordwrap(r.Fix, width-5, ""),
		strings.Join(r.Refs, ", "))
	return err
}

// ExplainList writes one line per rule: ID, severity and title.
func ExplainList(w io.Writer, rules []*diagnose.Rule) error {
	for _, r := range rules {
		if _, err := fmt.Fprintf(w, "%-26s %-8s %s\n", r.ID, r.Severity, r.Title); err != nil {
			return err
		}
	}
	return nil
}

// Catalogue writes the catalogue as Markdown: docs/findings.md is this.
func Catalogue(w io.Writer, rules []*diagnose.Rule) error {
	var b strings.Builder
	b.WriteString("# Findings\n\n")
	b.WriteString("Every finding ddx reports, with its stable ID (IDs never change: scripts may match them). " +
		"This file is generated from the rule table: `go run ./cmd/ddx explain --markdown > docs/findings.md`. " +
		"`ddx explain ID` prints one entry.\n\n")
	b.WriteString("Severities follow Zonemaster's scale: critical (the name cannot resolve), error (breaks resolution " +
		"for some resolvers or some of the time), warning (breaks under some circumstances), notice (the operator " +
		"should know), info.\n\n")
	b.WriteString("| ID | severity | finding |\n|---|---|---|\n")
	for _, r := range rules {
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s | %s |\n", r.ID, r.ID, r.Severity, r.Title)
	}
	for _, r := range rules {
		fmt.Fprintf(&b, "\n## %s\n\n**%s**: %s.\n\n%s\n\n**Fix:** %s\n\n**References:** %s\n",
			r.ID, r.Severity, r.Title, r.Doc, r.Fix, strings.Join(r.Refs, ", "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
