package main

import (
	"flag"
	"io"

	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/ui"
)

// cmdExplain prints the catalogue: one entry (ddx explain ID), the list
// (ddx explain), or all of it as Markdown (--markdown, docs/findings.md).
func cmdExplain(args []string, stdout io.Writer) (int, error) {
	var markdown bool
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&markdown, "markdown", false, "print the whole catalogue as Markdown (docs/findings.md)")
	pos, err := parse(fs, args)
	if err != nil {
		return 0, err
	}
	switch {
	case markdown && len(pos) == 0:
		return exitOK, ui.Catalogue(stdout, diagnose.Rules())
	case len(pos) == 0:
		return exitOK, ui.ExplainList(stdout, diagnose.Rules())
	case len(pos) > 1:
		return 0, usagef("explain takes one finding ID, e.g. ddx explain lame-delegation")
	}
	r := diagnose.RuleByID(pos[0])
	if r == nil {
		return 0, usagef("no finding %q; ddx explain lists them all", pos[0])
	}
	return exitOK, ui.Explain(stdout, r, 80)
}
