package main

import (
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"

	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/ui"
)

// lintOptions are the flags of ddx lint.
type lintOptions struct {
	origin, output, color, severity string
}

func newLintFlagSet(o *lintOptions) *flag.FlagSet {
	fs := flag.NewFlagSet("lint", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.origin, "origin", "", "the zone's `NAME`, for a file without $ORIGIN")
	fs.StringVar(&o.output, "o", "text", "output `FORMAT`: text or json")
	fs.StringVar(&o.color, "color", "auto", "colour `MODE`: auto, always or never")
	fs.StringVar(&o.severity, "severity", "info", "show findings at `LEVEL` or above")
	return fs
}

// cmdLint reads a zone file offline and reports what is wrong with it:
// ddx lint FILE (- for standard input). It never uses the network.
func cmdLint(args []string, stdin io.Reader, stdout io.Writer) (int, error) {
	o := &lintOptions{}
	pos, err := parse(newLintFlagSet(o), args)
	if err != nil {
		return 0, err
	}
	min, ok := diagnose.ParseSeverity(o.severity)
	switch {
	case !ok:
		return 0, usagef("--severity %q: use info, notice, warning, error or critical", o.severity)
	case o.output != "text" && o.output != "json":
		return 0, usagef("-o %q: use text or json", o.output)
	case ui.ColorMode(o.color) != ui.ColorAuto && ui.ColorMode(o.color) != ui.ColorAlways && ui.ColorMode(o.color) != ui.ColorNever:
		return 0, usagef("--color %q: use auto, always or never", o.color)
	case len(pos) != 1:
		return 0, usagef("lint takes one zone file, e.g. ddx lint example.com.zone (--origin example.com when it has no $ORIGIN)")
	}
	rep, err := lintFile(pos[0], o.origin, stdin)
	if err != nil {
		return 0, err
	}
	code := exitOK
	if rep.Worst() >= diagnose.Error {
		code = exitFindings
	}
	if o.output == "json" {
		kept := rep.Findings[:0:0]
		for _, f := range rep.Findings {
			if f.Severity >= min {
				kept = append(kept, f)
			}
		}
		rep.Findings = kept
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return code, enc.Encode(rep)
	}
	return code, ui.WriteLint(stdout, rep, ui.NewStyles(stdout, ui.ColorMode(o.color)), min)
}

// lintFile reads and lints one zone file; $INCLUDE reads only below the
// file's own directory (an os.Root: no .., no symbolic link out of it).
func lintFile(file, origin string, stdin io.Reader) (*diagnose.LintReport, error) {
	opts := diagnose.ZoneOptions{File: file, Origin: origin}
	r := stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, usagef("cannot read the zone file: %v", err)
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil && fi.IsDir() {
			return nil, usagef("%s is a directory, not a zone file", file)
		}
		root, err := os.OpenRoot(filepath.Dir(file))
		if err != nil {
			return nil, usagef("cannot read the zone file's directory: %v", err)
		}
		defer root.Close()
		r, opts.Include = f, root.FS()
	}
	z, err := diagnose.ReadZone(r, opts)
	switch {
	case errors.Is(err, diagnose.ErrZoneTooLarge):
		return nil, usagef("%s: %v; ddx lint reads at most %d records and %d MiB", file, err, diagnose.DefaultMaxRecords, diagnose.DefaultMaxBytes>>20)
	case errors.Is(err, diagnose.ErrBadOrigin):
		return nil, usagef("--origin %q is not a domain name", origin)
	case err != nil:
		return nil, usagef("%s: %v", file, err)
	}
	return diagnose.Lint(z), nil
}
