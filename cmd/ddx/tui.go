package main

import (
	"context"
	"errors"
	"io"
	"net/netip"
	"strings"

	"github.com/ddxdns/ddx"
	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/trace"
	"github.com/ddxdns/ddx/ui"
)

// interactive reports whether to open the explorer: stdout and stdin are
// terminals and no output format was asked for.
func interactive(o *options, stdin io.Reader, stdout io.Writer) bool {
	return !o.outputSet && ui.IsTerminal(stdin, stdout)
}

// explore runs the full-screen explorer and returns the exit code of the
// last trace it finished, or 130 if the user pressed ctrl+c.
func explore(ctx context.Context, o *options, cfg trace.Config, t target, intro string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	return runExplorer(ctx, o, cfg, t, intro, nil, nil, stdin, stdout, stderr)
}

// exploreCompare shows the resolvers side by side above the live trace;
// the comparison findings join the trace's when it ends.
func exploreCompare(ctx context.Context, o *options, cfg trace.Config, t target, c *diagnose.Comparison, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	st := ui.NewStyles(stdout, ui.ColorMode(o.color))
	banner := func(w int) string { return ui.CompareTable(c, st, w) }
	after := func(rep *diagnose.Report) {
		c.Trace = rep
		rep.Findings = append(diagnose.Compare(c), rep.Findings...)
		diagnose.SortFindings(rep.Findings)
	}
	return runExplorer(ctx, o, cfg, t, "", banner, after, stdin, stdout, stderr)
}

func runExplorer(ctx context.Context, o *options, cfg trace.Config, t target, intro string, banner func(int) string, after func(*diagnose.Report), stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	start := func(ctx context.Context, name string, qtype uint16, events chan<- trace.Event) (*diagnose.Report, error) {
		fq, err := trace.CanonicalName(name)
		if err != nil {
			close(events)
			return nil, err
		}
		tr, err := trace.Run(ctx, cfg, fq, qtype, events)
		if err != nil {
			return nil, err
		}
		if fq == t.name {
			tr.Query.Unicode = t.unicode
		}
		rep := diagnose.New(tr)
		if after != nil && fq == t.name && qtype == t.qtype {
			after(rep)
		}
		return rep, nil
	}
	var picks []ui.Pick
	if intro != "" {
		// Only the demo has an intro: its scenarios are o's pick list.
		for _, d := range ddx.Scenarios {
			target := d.Query
			if _, err := netip.ParseAddr(target); err == nil {
				target += "." // o would trace its PTR name; this one is about the address as a name
			}
			picks = append(picks, ui.Pick{Target: target, What: d.About})
		}
	}
	rep, err := ui.Run(ctx, ui.RunOptions{
		Options: ui.Options{Name: t.name, Qtype: t.qtype, Start: start,
			Styles: ui.NewStyles(stdout, ui.ColorMode(o.color)), Intro: intro, Banner: banner, Picks: picks},
		In: stdin, Out: stdout,
	})
	return explorerExit(rep, err, stderr)
}

// explorerExit maps how the explorer ended to the command's exit code: the
// code of the last report it showed, or 130 for ctrl+c.
func explorerExit(rep *diagnose.Report, err error, stderr io.Writer) (int, error) {
	switch {
	case errors.Is(err, ui.ErrInterrupted):
		return exitInterrupted, nil
	case err != nil:
		return 0, err
	case rep != nil:
		return exitCode(rep, stderr), nil
	}
	return exitOK, nil
}

func demoIntro() string {
	var b strings.Builder
	b.WriteString("The ddx demo universe: each name below shows one problem. Press o to choose one (or type any name); ] jumps to the next problem, f lists the findings, enter on a finding jumps to its evidence, ? shows every key.\n\n")
	for _, d := range ddx.Scenarios {
		b.WriteString("  " + d.Query + "\n      " + d.About + "\n")
	}
	return b.String()
}
