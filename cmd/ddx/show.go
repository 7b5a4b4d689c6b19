package main

import (
	"context"
	"errors"
	"io"
	"os"

	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/trace"
	"github.com/ddxdns/ddx/ui"
)

// cmdShow reads a trace saved with -o json (or w in the explorer),
// diagnoses it afresh and shows it: the explorer on a terminal, text or
// JSON otherwise. Nothing is sent to the network.
func cmdShow(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	o, pos, err := parseOptions("show", args, stderr, nil)
	if err != nil {
		return 0, err
	}
	if len(pos) != 1 {
		return 0, usagef("show takes one saved trace, e.g. ddx show trace.json (save one with ddx trace NAME -o json > trace.json)")
	}
	rep, err := loadReport(pos[0], stdin)
	if err != nil {
		return 0, err
	}
	if interactive(o, stdin, stdout) {
		return exploreSaved(ctx, o, rep, stdin, stdout, stderr)
	}
	if err := o.write(stdout, rep); err != nil {
		return 0, err
	}
	return exitCode(rep, stderr), nil
}

// loadReport reads and diagnoses a saved trace; "-" is standard input.
func loadReport(file string, stdin io.Reader) (*diagnose.Report, error) {
	r := stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, usagef("cannot read the saved trace: %v", err)
		}
		defer f.Close()
		r = f
	}
	tr, err := trace.Load(r)
	if err != nil {
		if errors.Is(err, trace.ErrNotTrace) {
			return nil, usagef("%s: %v", file, err)
		}
		return nil, usagef("%s: damaged trace: %v", file, err)
	}
	return diagnose.New(tr), nil
}

// exploreSaved opens the explorer on a saved trace. Tracing another name
// from it needs the network, which show never uses: it says so.
func exploreSaved(ctx context.Context, o *options, rep *diagnose.Report, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	q := rep.Query
	start := func(ctx context.Context, name string, qtype uint16, events chan<- trace.Event) (*diagnose.Report, error) {
		close(events)
		if fq, _, err := trace.ParseName(name); err != nil || fq != q.Name || qtype != q.Qtype {
			return nil, errSavedOnly
		}
		return rep, nil
	}
	got, err := ui.Run(ctx, ui.RunOptions{
		Options: ui.Options{Name: q.Name, Qtype: q.Qtype, Start: start, Styles: ui.NewStyles(stdout, ui.ColorMode(o.color))},
		In:      stdin, Out: stdout,
	})
	return explorerExit(got, err, stderr)
}

var errSavedOnly = errors.New("this is a saved trace: quit and run ddx trace NAME to trace another name")
