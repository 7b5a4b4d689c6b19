package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/trace"
	"github.com/ddxdns/ddx/ui"
	"github.com/miekg/dns"
)

// resolverFlags are the flags for asking resolvers.
type resolverFlags struct {
	tcp        bool
	nsid       bool
	repeat     int
	interval   time.Duration
	resolvConf string
	rtimeout   time.Duration
}

func (r *resolverFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&r.tcp, "tcp", false, "ask resolvers over TCP only (also +tcp)")
	fs.BoolVar(&r.nsid, "nsid", false, "ask resolvers for their NSID (also +nsid)")
	fs.IntVar(&r.repeat, "repeat", 1, "ask `N` times, to watch TTLs count down")
	fs.DurationVar(&r.interval, "interval", 2*time.Second, "wait `D` between repeats")
	fs.StringVar(&r.resolvConf, "resolv-conf", "/etc/resolv.conf", "resolvers to use when none is given with @")
	fs.DurationVar(&r.rtimeout, "resolver-timeout", 3*time.Second, "wait `D` for each resolver reply")
}

// splitResolvers takes @resolver and +option arguments out of the
// positionals.
func splitResolvers(pos []string, rf *resolverFlags) (rest, resolvers []string, err error) {
	for _, p := range pos {
		switch {
		case strings.HasPrefix(p, "@"):
			resolvers = append(resolvers, p[1:])
		case p == "+tcp":
			rf.tcp = true
		case p == "+nsid":
			rf.nsid = true
		case strings.HasPrefix(p, "+"):
			return nil, nil, usagef("unknown option %s: ddx knows +tcp and +nsid", p)
		default:
			rest = append(rest, p)
		}
	}
	return rest, resolvers, nil
}

// hasResolver reports whether the arguments name a resolver with @.
func hasResolver(args []string) bool {
	for _, a := range args {
		if strings.HasPrefix(a, "@") {
			return true
		}
	}
	return false
}

func resolveAddrs(ctx context.Context, list []string, rf *resolverFlags) ([]netip.AddrPort, []string, error) {
	if len(list) == 0 {
		aps, err := trace.SystemResolvers(rf.resolvConf)
		if err != nil {
			return nil, nil, usagef("no resolver given with @, and %v", err)
		}
		return aps, make([]string, len(aps)), nil
	}
	var aps []netip.AddrPort
	var names []string
	for _, s := range list {
		ap, name, err := trace.ParseResolver(ctx, s)
		if err != nil {
			return nil, nil, usagef("%v", err)
		}
		aps = append(aps, ap)
		names = append(names, name)
	}
	return aps, names, nil
}

// askAll asks every resolver at once and returns the replies in order.
func askAll(ctx context.Context, aps []netip.AddrPort, names []string, t target, rf *resolverFlags) []*trace.ResolverReply {
	out := make([]*trace.ResolverReply, len(aps))
	var wg sync.WaitGroup
	for i, ap := range aps {
		wg.Add(1)
		go func(i int, ap netip.AddrPort) {
			defer wg.Done()
			r := trace.AskResolver(ctx, ap, t.name, t.qtype, trace.ResolverOptions{TCP: rf.tcp, NSID: rf.nsid, Timeout: rf.rtimeout})
			r.Name = names[i]
			out[i] = r
		}(i, ap)
	}
	wg.Wait()
	return out
}

// cmdCompare asks several resolvers (or one, with ask=true) and explains
// their differences with a trace from the root.
func cmdCompare(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, askOnly bool) (int, error) {
	var rf resolverFlags
	o, pos, err := parseOptions("compare", args, stderr, rf.register)
	if err != nil {
		return 0, err
	}
	if rf.repeat < 1 || rf.repeat > 100 {
		return 0, usagef("--repeat %d: use 1 to 100", rf.repeat)
	}
	pos, list, err := splitResolvers(pos, &rf)
	if err != nil {
		return 0, err
	}
	t, err := parseTarget(o, pos, dns.TypeA)
	if err != nil {
		return 0, err
	}
	aps, names, err := resolveAddrs(ctx, list, &rf)
	if err != nil {
		return 0, err
	}
	c := &diagnose.Comparison{Query: trace.Question{Name: t.name, Unicode: t.unicode, Type: typeString(t.qtype), Qtype: t.qtype}}

	if askOnly && len(aps) == 1 && rf.repeat == 1 {
		c.Resolvers = askAll(ctx, aps, names, t, &rf)
		c.Findings = diagnose.Compare(c)
		return writeAsk(stdout, o, c)
	}

	cfg, err := o.config()
	if err != nil {
		return 0, err
	}
	if interactive(o, stdin, stdout) && rf.repeat == 1 {
		c.Resolvers = askAll(ctx, aps, names, t, &rf)
		return exploreCompare(ctx, o, cfg, t, c, stdin, stdout, stderr)
	}
	var rep *diagnose.Report
	var traceErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		rep, traceErr = traceAndDiagnose(ctx, cfg, t)
	}()
	for round := 0; round < rf.repeat; round++ {
		if round > 0 {
			select {
			case <-time.After(rf.interval):
			case <-ctx.Done():
				return 0, ctx.Err()
			}
		}
		c.Resolvers = askAll(ctx, aps, names, t, &rf)
		if rf.repeat > 1 {
			c.Rounds = append(c.Rounds, c.Resolvers)
		}
	}
	<-done
	if traceErr != nil {
		return 0, traceErr
	}
	c.Trace = rep
	c.Findings = append(diagnose.Compare(c), rep.Findings...)
	diagnose.SortFindings(c.Findings)
	if o.output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(c); err != nil {
			return 0, err
		}
	} else if err := ui.WriteComparison(stdout, c, ui.NewStyles(stdout, ui.ColorMode(o.color)), 0); err != nil {
		return 0, err
	}
	return compareExit(c), nil
}

func writeAsk(stdout io.Writer, o *options, c *diagnose.Comparison) (int, error) {
	if o.output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(c); err != nil {
			return 0, err
		}
	} else {
		st := ui.NewStyles(stdout, ui.ColorMode(o.color))
		ui.WriteResolverReply(stdout, c.Resolvers[0], st)
		if len(c.Findings) > 0 {
			fmt.Fprintln(stdout)
			ui.WriteFindings(stdout, c.Findings, st)
		}
	}
	return compareExit(c), nil
}

// compareExit: 3 when no resolver answered, 1 when they disagree or a
// finding is at error or above, else 0.
func compareExit(c *diagnose.Comparison) int {
	answered := false
	for _, r := range c.Resolvers {
		answered = answered || r.Error == ""
	}
	if !answered {
		return exitUnresolved
	}
	for _, f := range c.Findings {
		if f.Severity >= diagnose.Error {
			return exitFindings
		}
	}
	return exitOK
}

func typeString(t uint16) string {
	if s, ok := dns.TypeToString[t]; ok {
		return s
	}
	return fmt.Sprintf("TYPE%d", t)
}
