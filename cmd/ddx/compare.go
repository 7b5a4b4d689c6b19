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
	"github.com/ddxdns/ddx/trace/sim"
	"github.com/ddxdns/ddx/ui"
	"github.com/miekg/dns"
)

// resolverFlags are the flags for asking resolvers.
type resolverFlags struct {
	tcp        bool
	nsid       bool
	repeat     int
	interval   time.Duration
	resolvConf setString
	rtimeout   time.Duration
	tlsCA      string
	insecure   bool
	dohGet     bool
	// +tls and +https (dig's options): plain @ADDR resolvers are asked
	// over DNS over TLS, or over DNS over HTTPS at this path.
	plusTLS   bool
	plusHTTPS string
}

// setString is a string flag that remembers whether it was given.
type setString struct {
	value string
	set   bool
}

func (s *setString) String() string     { return s.value }
func (s *setString) Set(v string) error { s.value, s.set = v, true; return nil }

func (r *resolverFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&r.tcp, "tcp", false, "ask resolvers over TCP only (also +tcp)")
	fs.BoolVar(&r.nsid, "nsid", false, "ask resolvers for their NSID (also +nsid)")
	fs.IntVar(&r.repeat, "repeat", 1, "ask `N` times, to watch TTLs count down")
	fs.DurationVar(&r.interval, "interval", 2*time.Second, "wait `D` between repeats")
	r.resolvConf.value = "/etc/resolv.conf"
	fs.Var(&r.resolvConf, "resolv-conf", "resolvers to use when none is given with @")
	fs.DurationVar(&r.rtimeout, "resolver-timeout", 3*time.Second, "wait `D` for each resolver reply (and for each layer of tls:// and https://)")
	fs.StringVar(&r.tlsCA, "tls-ca", "", "trust the CA certificates in PEM `FILE` too, for tls:// and https:// resolvers")
	fs.BoolVar(&r.insecure, "tls-insecure", false, "do not verify tls:// and https:// certificates (every output says so)")
	fs.BoolVar(&r.dohGet, "doh-get", false, "ask https:// resolvers with GET ?dns= instead of POST")
}

// options returns how to ask resolvers; ex carries plain DNS.
func (r *resolverFlags) options(ex trace.Exchanger) (trace.ResolverOptions, error) {
	o := trace.ResolverOptions{Exchanger: ex, TCP: r.tcp, NSID: r.nsid, Timeout: r.rtimeout, Insecure: r.insecure, DoHGet: r.dohGet}
	if r.tlsCA != "" {
		pool, err := trace.LoadCAs(r.tlsCA)
		if err != nil {
			return o, usagef("--tls-ca: %v", err)
		}
		o.RootCAs = pool
	}
	return o, nil
}

// resolverExchanger carries resolver queries outside --demo: the network.
// Tests replace it to prove that --demo never uses it.
var resolverExchanger trace.Exchanger = trace.NetExchanger{}

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
		case p == "+tls":
			rf.plusTLS = true
		case p == "+https":
			rf.plusHTTPS = "/dns-query"
		case strings.HasPrefix(p, "+https="):
			rf.plusHTTPS = strings.TrimPrefix(p, "+https=")
			if !strings.HasPrefix(rf.plusHTTPS, "/") {
				return nil, nil, usagef("%s: the path of +https=PATH starts with /", p)
			}
		case strings.HasPrefix(p, "+"):
			return nil, nil, usagef("unknown option %s: ddx knows +tcp, +nsid, +tls and +https[=PATH]", p)
		default:
			rest = append(rest, p)
		}
	}
	if rf.plusTLS && rf.plusHTTPS != "" {
		return nil, nil, usagef("+tls and +https exclude each other")
	}
	// As dig does: +tls asks @ADDR over DNS over TLS (port 853 unless
	// given), +https over DNS over HTTPS. Resolvers with a scheme keep it.
	for i, r := range resolvers {
		switch {
		case strings.Contains(r, "://"):
		case rf.plusTLS:
			resolvers[i] = "tls://" + r
		case rf.plusHTTPS != "":
			resolvers[i] = "https://" + r + rf.plusHTTPS
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

// resolveSpecs reads the resolvers given with @ (host names are looked
// up), or those of resolv.conf when none is.
func resolveSpecs(ctx context.Context, list []string, rf *resolverFlags) ([]trace.ResolverSpec, error) {
	var specs []trace.ResolverSpec
	if len(list) == 0 {
		aps, err := trace.SystemResolvers(rf.resolvConf.value)
		if err != nil {
			return nil, usagef("no resolver given with @, and %v", err)
		}
		for _, ap := range aps {
			specs = append(specs, trace.ResolverSpec{Transport: trace.TransportDNS, Addr: ap})
		}
		return specs, nil
	}
	for _, s := range list {
		spec, err := trace.ParseResolverSpec(ctx, s)
		if err != nil {
			return nil, usagef("%v", err)
		}
		specs = append(specs, spec)
	}
	return specs, nil
}

// demoResolvers are the demo universe's addresses the arguments name (its
// resolvers, or its authoritative servers, asked with RD=1 as dig would),
// or all its resolvers when none is named. --demo looks nothing up and
// sends nothing, so anything else is refused: host names, other addresses,
// other ports, --resolv-conf.
func demoResolvers(u *sim.Universe, list []string, rf *resolverFlags) ([]trace.ResolverSpec, []string, error) {
	var known []string
	for _, r := range u.Resolvers() {
		known = append(known, r.Addr.String())
	}
	which := "its resolvers are " + strings.Join(known, ", ")
	for _, s := range list {
		if scheme, _, ok := strings.Cut(s, "://"); ok {
			return nil, nil, usagef("--demo cannot ask @%s: the demo universe cannot simulate DNS over TLS or HTTPS (%s://); %s", s, scheme, which)
		}
	}
	if rf.resolvConf.set {
		return nil, nil, usagef("--demo cannot use --resolv-conf: without @ it compares its own resolvers (%s)", strings.Join(known, ", "))
	}
	if len(list) == 0 {
		list = known
	}
	var specs []trace.ResolverSpec
	var names []string
	for _, s := range list {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			a, err := netip.ParseAddr(strings.Trim(s, "[]"))
			if err != nil {
				return nil, nil, usagef("--demo cannot ask @%s: it looks up no host names; %s", s, which)
			}
			ap = netip.AddrPortFrom(a, 53)
		}
		a := ap.Addr().Unmap()
		name := ""
		if r := u.Resolver(a); r != nil {
			name = r.Name
		} else if srv := u.Server(a); srv != nil {
			name = srv.Name
		} else {
			return nil, nil, usagef("--demo cannot ask @%s: no such address in the demo universe; %s", s, which)
		}
		if ap.Port() != 53 {
			return nil, nil, usagef("--demo cannot ask @%s: the demo universe listens on port 53 only", s)
		}
		specs = append(specs, trace.ResolverSpec{Transport: trace.TransportDNS, Addr: netip.AddrPortFrom(a, 53)})
		names = append(names, name)
	}
	return specs, names, nil
}

// askAll asks every resolver at once and returns the replies in order.
// names, when set, name the demo's servers.
func askAll(ctx context.Context, clients []*trace.ResolverClient, names []string, t target) []*trace.ResolverReply {
	out := make([]*trace.ResolverReply, len(clients))
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() {
			r := c.Ask(ctx, t.name, t.qtype)
			if names != nil {
				r.Name = names[i]
			}
			out[i] = r
		})
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
	// With --demo, the trace and the resolvers share one simulated
	// universe, and nothing is looked up or sent.
	var cfg trace.Config
	var specs []trace.ResolverSpec
	var names []string
	ex := resolverExchanger
	if o.demo {
		if cfg, err = o.config(); err != nil {
			return 0, err
		}
		u, ok := cfg.Exchanger.(*sim.Universe)
		if !ok {
			return 0, fmt.Errorf("--demo: the configuration has no demo universe")
		}
		if specs, names, err = demoResolvers(u, list, &rf); err != nil {
			return 0, err
		}
		ex = u
	} else if specs, err = resolveSpecs(ctx, list, &rf); err != nil {
		return 0, err
	}
	ro, err := rf.options(ex)
	if err != nil {
		return 0, err
	}
	// One client per resolver for the whole run: DNS over TLS and HTTPS
	// keep their connection across --repeat.
	clients := make([]*trace.ResolverClient, len(specs))
	for i, s := range specs {
		clients[i] = trace.NewResolverClient(s, ro)
		defer clients[i].Close()
	}
	c := &diagnose.Comparison{Query: trace.Question{Name: t.name, Unicode: t.unicode, Type: typeString(t.qtype), Qtype: t.qtype}}

	if askOnly && len(specs) == 1 && rf.repeat == 1 {
		c.Resolvers = askAll(ctx, clients, names, t)
		c.Findings = diagnose.Compare(c)
		return writeAsk(stdout, o, c)
	}

	if !o.demo {
		if cfg, err = o.config(); err != nil {
			return 0, err
		}
	}
	if interactive(o, stdin, stdout) && rf.repeat == 1 {
		c.Resolvers = askAll(ctx, clients, names, t)
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
		c.Resolvers = askAll(ctx, clients, names, t)
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
