package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/trace"
	"github.com/ddxdns/ddx/ui"
	"github.com/miekg/dns"
)

// run is the whole CLI, without a process: main only calls it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		writeUsage(stderr)
		return exitUsage
	}
	var code int
	var err error
	switch args[0] {
	case "help", "-h", "--help", "-help":
		if len(args) > 1 {
			return run(ctx, []string{args[1], "--help"}, stdin, stdout, stderr)
		}
		writeUsage(stdout)
		return exitOK
	case "version", "--version":
		fmt.Fprintln(stdout, "ddx dev")
		return exitOK
	case "trace":
		code, err = cmdTrace(ctx, args[1:], stdin, stdout, stderr, false)
	case "demo":
		code, err = cmdDemo(ctx, args[1:], stdin, stdout, stderr)
	case "check":
		code, err = cmdCheck(ctx, args[1:], stdout, stderr)
	case "compare":
		code, err = cmdCompare(ctx, args[1:], stdin, stdout, stderr, false)
	case "show":
		code, err = cmdShow(ctx, args[1:], stdin, stdout, stderr)
	case "explain":
		code, err = cmdExplain(args[1:], stdout)
	case "lint":
		code, err = cmdLint(args[1:], stdin, stdout)
	default:
		if hasResolver(args) {
			code, err = cmdCompare(ctx, args, stdin, stdout, stderr, true)
			break
		}
		code, err = cmdTrace(ctx, args, stdin, stdout, stderr, false)
	}
	if err != nil {
		var ue usageError
		var help helpRequest
		switch {
		case errors.As(err, &help):
			writeCommandUsage(stdout, help.fs)
			return exitOK
		case errors.As(err, &ue):
			fmt.Fprintf(stderr, "ddx: %s (see ddx help)\n", oneLine(ue.msg))
			return exitUsage
		case errors.Is(err, context.Canceled):
			fmt.Fprintln(stderr, "ddx: interrupted")
			return exitInterrupted
		default:
			fmt.Fprintf(stderr, "ddx: %s\n", oneLine(err.Error()))
			return exitUnresolved
		}
	}
	return code
}

func oneLine(s string) string {
	return trace.Sanitize(strings.ReplaceAll(s, "\n", "; "))
}

// target is what to trace: the name and type from the arguments.
type target struct {
	name, unicode string
	qtype         uint16
}

func parseTarget(o *options, pos []string, defType uint16) (target, error) {
	var t target
	t.qtype = defType
	var rest []string
	if o.reverse != "" {
		rest = pos
		t.qtype = dns.TypePTR
	} else {
		if len(pos) == 0 {
			return t, usagef("which name? e.g. ddx trace www.example.com A")
		}
		if len(pos) == 2 && isTypeWord(pos[0]) && !isTypeWord(pos[1]) {
			pos = []string{pos[1], pos[0]} // dig's order: TYPE NAME
		}
		rest = pos[1:]
	}
	if len(rest) > 1 {
		return t, usagef("too many arguments: %s", strings.Join(rest[1:], " "))
	}
	if len(rest) == 1 {
		qt, err := parseType(rest[0])
		if err != nil {
			return t, err
		}
		t.qtype = qt
	}
	name := ""
	if len(pos) > 0 && o.reverse == "" {
		name = pos[0]
	}
	var err error
	t.name, t.unicode, err = queryName(name, o.reverse)
	return t, err
}

func cmdTrace(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, demo bool) (int, error) {
	var ptr bool
	o, pos, err := parseOptions("trace", args, stderr, ptrFlag(&ptr))
	if err != nil {
		return 0, err
	}
	o.demo = o.demo || demo
	t, err := parseTarget(o, pos, dns.TypeA)
	if err != nil {
		return 0, err
	}
	cfg, err := o.config()
	if err != nil {
		return 0, err
	}
	cfg.PTR = ptr
	if interactive(o, stdin, stdout) {
		intro := ""
		if o.demo {
			intro = demoIntro()
		}
		return explore(ctx, o, cfg, t, intro, stdin, stdout, stderr)
	}
	rep, err := traceAndDiagnose(ctx, cfg, t)
	if err != nil {
		return 0, err
	}
	if err := o.write(stdout, rep); err != nil {
		return 0, err
	}
	return exitCode(rep, stderr), nil
}

func traceAndDiagnose(ctx context.Context, cfg trace.Config, t target) (*diagnose.Report, error) {
	tr, err := trace.Run(ctx, cfg, t.name, t.qtype, nil)
	if err != nil {
		return nil, usagef("%v", err)
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	tr.Query.Unicode = t.unicode
	return diagnose.New(tr), nil
}

// write renders a report in the chosen format.
func (o *options) write(w io.Writer, rep *diagnose.Report) error {
	if min, ok := diagnose.ParseSeverity(o.severity); ok {
		kept := rep.Findings[:0:0]
		for _, f := range rep.Findings {
			if f.Severity >= min {
				kept = append(kept, f)
			}
		}
		rep.Findings = kept
	}
	if o.output == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return ui.WriteText(w, rep, ui.NewStyles(w, ui.ColorMode(o.color)), ui.TextOptions{Brief: !o.verbose})
}

// exitCode maps a report to the documented exit codes, and says on stderr
// when the root itself could not be reached.
func exitCode(rep *diagnose.Report, stderr io.Writer) int {
	if root := rep.StepByID(0); root != nil && len(root.Results) == 1 && root.Results[0].Kind == trace.KindFailed {
		fmt.Fprintf(stderr, "ddx: no root server answered (%s); check --root, --root-hints, --port and the network\n", oneLine(root.Results[0].Why))
		return exitUnresolved
	}
	switch {
	case rep.Outcome.Rcode == trace.RcodeIncomplete:
		return exitIncomplete
	case rep.Outcome.Rcode == trace.RcodeServFail:
		return exitUnresolved
	case rep.Outcome.Rcode == trace.RcodeDepends, rep.Worst() >= diagnose.Error:
		return exitFindings
	}
	return exitOK
}

func cmdCheck(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	var ptr bool
	o, pos, err := parseOptions("check", args, stderr, ptrFlag(&ptr))
	if err != nil {
		return 0, err
	}
	if len(pos) != 1 {
		return 0, usagef("check takes one zone, e.g. ddx check example.com")
	}
	t, err := parseTarget(o, pos, dns.TypeSOA)
	if err != nil {
		return 0, err
	}
	cfg, err := o.config()
	if err != nil {
		return 0, err
	}
	cfg.Probes, cfg.PTR = true, ptr
	rep, err := traceAndDiagnose(ctx, cfg, t)
	if err != nil {
		return 0, err
	}
	rep.Findings = diagnose.ForZone(rep.Findings, t.name)
	if o.output == "json" {
		if err := o.write(stdout, rep); err != nil {
			return 0, err
		}
	} else if err := ui.WriteCheck(stdout, rep, t.name, ui.NewStyles(stdout, ui.ColorMode(o.color)), severityOf(o.severity)); err != nil {
		return 0, err
	}
	switch {
	case rep.Outcome.Rcode == trace.RcodeIncomplete:
		return exitIncomplete, nil // the run did not finish: say that first
	case rep.Worst() >= diagnose.Error:
		return exitFindings, nil
	case rep.Outcome.Rcode == trace.RcodeServFail:
		return exitUnresolved, nil
	}
	return exitOK, nil
}

func severityOf(s string) diagnose.Severity {
	v, _ := diagnose.ParseSeverity(s)
	return v
}

// isTypeWord reports whether s is a record type written as one (MX, not
// mx: "a b.test" is more likely a mistyped name than dig's order).
func isTypeWord(s string) bool {
	_, err := trace.ParseType(s)
	return err == nil && s == strings.ToUpper(s)
}
