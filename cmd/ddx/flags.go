package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/ddxdns/ddx"
	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/trace"
	"github.com/ddxdns/ddx/trace/sim"
	"github.com/ddxdns/ddx/ui"
	"github.com/miekg/dns"
)

// Exit codes, documented in the README.
const (
	exitOK         = 0 // resolved, nothing at error or above
	exitFindings   = 1 // resolved, with findings at error or above (or only on some paths)
	exitUsage      = 2 // bad arguments or input
	exitUnresolved = 3 // the name could not be resolved at all
	exitIncomplete = 4 // a budget (--max-queries, --deadline) ended the run first
)

// usageError is an error the user can fix by changing the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// options are the flags shared by every command that traces.
type options struct {
	rootHints  string
	root       string
	port       uint
	timeout    time.Duration
	tries      int
	only4      bool
	only6      bool
	output     string
	color      string
	demo       bool
	reverse    string
	maxQueries int
	deadline   time.Duration
	verbose    bool
	severity   string
	outputSet  bool
	dnssecOpts // --trust-anchor, --no-dnssec (dnssec.go)
}

func newFlagSet(name string, o *options, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.rootHints, "root-hints", "", "read root servers from `FILE` (named.root format)")
	fs.StringVar(&o.root, "root", "", "start from these root server `ADDR`s, comma-separated")
	fs.UintVar(&o.port, "port", 0, "send every query to `PORT` instead of 53")
	fs.DurationVar(&o.timeout, "timeout", 1500*time.Millisecond, "wait `D` for each reply")
	fs.IntVar(&o.tries, "tries", 2, "send each query over UDP up to `N` times")
	fs.BoolVar(&o.only4, "4", false, "use IPv4 only")
	fs.BoolVar(&o.only6, "6", false, "use IPv6 only")
	fs.StringVar(&o.output, "o", "text", "output `FORMAT`: text or json")
	fs.StringVar(&o.color, "color", "auto", "colour `MODE`: auto, always or never")
	fs.BoolVar(&o.demo, "demo", false, "run against the built-in demo universe (no network)")
	fs.StringVar(&o.reverse, "x", "", "trace the PTR name of `ADDR`")
	fs.IntVar(&o.maxQueries, "max-queries", 0, "query budget `N` for the run (default 2000)")
	fs.DurationVar(&o.deadline, "deadline", 0, "wall-clock budget `D` for the run (default 60s)")
	fs.BoolVar(&o.verbose, "v", false, "show every survey query, not only those that went wrong")
	fs.StringVar(&o.severity, "severity", "info", "show findings at `LEVEL` or above")
	o.dnssecOpts.flags(fs)
	return fs
}

// ptrFlag registers --ptr, which check and trace take.
func ptrFlag(ptr *bool) func(*flag.FlagSet) {
	return func(fs *flag.FlagSet) {
		fs.BoolVar(ptr, "ptr", false, "look up the PTR of the zone's addresses (at most 32) and confirm each resolves back")
	}
}

// parse reads flags anywhere among the arguments and returns the rest.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, helpRequest{fs}
			}
			if name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: "); ok {
				return nil, usagef("unknown flag %s for %s; ddx %s --help lists its flags", name, fs.Name(), fs.Name())
			}
			return nil, usagef("%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// parseOptions parses a tracing command's arguments: the shared flags,
// any the command adds, and the positionals, then validates them. Every
// command goes through here so that the flags mean the same everywhere.
func parseOptions(name string, args []string, stderr io.Writer, extra func(*flag.FlagSet)) (*options, []string, error) {
	o := &options{}
	fs := newFlagSet(name, o, stderr)
	if extra != nil {
		extra(fs)
	}
	pos, err := parse(fs, args)
	if err != nil {
		return nil, nil, err
	}
	fs.Visit(func(f *flag.Flag) { o.outputSet = o.outputSet || f.Name == "o" })
	if err := o.validate(); err != nil {
		return nil, nil, err
	}
	return o, pos, nil
}

func (o *options) validate() error {
	if _, ok := diagnose.ParseSeverity(o.severity); !ok {
		return usagef("--severity %q: use info, notice, warning, error or critical", o.severity)
	}
	if o.output != "text" && o.output != "json" {
		return usagef("-o %q: use text or json", o.output)
	}
	switch ui.ColorMode(o.color) {
	case ui.ColorAuto, ui.ColorAlways, ui.ColorNever:
	default:
		return usagef("--color %q: use auto, always or never", o.color)
	}
	if o.only4 && o.only6 {
		return usagef("-4 and -6 exclude each other")
	}
	if o.port > 65535 {
		return usagef("--port %d: a port is 1 to 65535", o.port)
	}
	if o.timeout <= 0 || o.tries <= 0 {
		return usagef("--timeout and --tries must be positive")
	}
	if o.demo {
		// The demo universe is simulated: flags that name real servers
		// cannot be honoured, and are refused rather than ignored.
		switch {
		case o.root != "":
			return usagef("--demo cannot use --root: the demo universe has its own root servers")
		case o.rootHints != "":
			return usagef("--demo cannot use --root-hints: the demo universe has its own root servers")
		case o.port != 0:
			return usagef("--demo cannot use --port: every demo server listens on port 53")
		}
	}
	return nil
}

// config builds the engine configuration from the flags. Every tracing
// command goes through here, so the flags mean the same everywhere.
func (o *options) config() (trace.Config, error) {
	cfg := trace.Config{
		Port:    uint16(o.port),
		Timeout: o.timeout,
		Tries:   o.tries,
		NoIPv4:  o.only6,
		NoIPv6:  o.only4,
	}
	cfg.Budget.Queries = o.maxQueries
	cfg.Budget.Deadline = o.deadline
	switch {
	case o.demo:
		u, err := demoUniverse()
		if err != nil {
			return cfg, err
		}
		u.Scale = 1
		cfg.Roots, cfg.Exchanger = u.Roots(), u
	case o.rootHints != "":
		f, err := os.Open(o.rootHints)
		if err != nil {
			return cfg, usagef("cannot read root hints: %v", err)
		}
		defer f.Close()
		if cfg.Roots, err = trace.ParseHints(f, o.rootHints); err != nil {
			return cfg, usagef("root hints %s: %v; give a named.root file with NS and A/AAAA records", o.rootHints, err)
		}
	case o.root != "":
		var err error
		if cfg.Roots, err = trace.HintsFromAddrs(strings.Split(o.root, ",")); err != nil {
			return cfg, usagef("--root: %v", err)
		}
	}
	if err := o.dnssecOpts.config(&cfg); err != nil {
		return cfg, err
	}
	v4, v6 := families(cfg.Roots)
	switch {
	case o.only4 && !v4:
		return cfg, usagef("-4, but the root servers given have no IPv4 address; drop -4 or give IPv4 roots")
	case o.only6 && !v6:
		return cfg, usagef("-6, but the root servers given have no IPv6 address; drop -6 or give IPv6 roots")
	}
	// Without an IPv6 route, IPv6 addresses only add timeouts, unless the
	// user's own roots are IPv6 only: then let them fail visibly.
	if !o.demo && !o.only4 && !o.only6 && v4 && !trace.HaveIPv6Route() {
		cfg.NoIPv6 = true
	}
	return cfg, nil
}

// families reports which address families the root servers have; the
// built-in hints (no roots given) have both.
func families(roots []trace.Hint) (v4, v6 bool) {
	if len(roots) == 0 {
		return true, true
	}
	for _, h := range roots {
		for _, a := range h.Addrs {
			if a.Unmap().Is4() {
				v4 = true
			} else {
				v6 = true
			}
		}
	}
	return v4, v6
}

// demoUniverse loads the demo; its validating resolver judges chains of
// trust with ddx's own validation.
func demoUniverse() (*sim.Universe, error) {
	u, err := sim.Load(ddx.Universe, ddx.UniverseDir)
	if err != nil {
		return nil, err
	}
	u.SetValidator(diagnose.ResolverVerdict)
	return u, nil
}

// queryName turns the user's name (or -x address) into an FQDN in ASCII,
// with its Unicode form when it is an IDN.
func queryName(name, reverse string) (ascii, unicode string, err error) {
	if reverse != "" {
		r, err := dns.ReverseAddr(strings.Trim(reverse, "[]"))
		if err != nil || net.ParseIP(strings.Trim(reverse, "[]")) == nil {
			return "", "", usagef("-x %q is not an IPv4 or IPv6 address", reverse)
		}
		return r, "", nil
	}
	ascii, unicode, err = trace.ParseName(name)
	if err != nil {
		return "", "", usagef("%v", err)
	}
	return ascii, unicode, nil
}

// parseType reads a query type by name (AAAA) or number (TYPE65534).
func parseType(s string) (uint16, error) {
	t, err := trace.ParseType(s)
	if err != nil {
		return 0, usagef("unknown query type %q: use a name like A, AAAA, MX, or a number like TYPE65534", s)
	}
	return t, nil
}
