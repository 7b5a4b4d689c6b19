package main

import (
	"context"
	"fmt"
	"io"
)

// demoNames are the names of the demo universe worth a look, and what is
// wrong with each. Every finding in the catalogue is shown by one of them.
var demoNames = []struct{ name, what string }{
	{"www.healthy.test", "healthy: two servers, IPv4 and IPv6, glue"},
	{"cdn.healthy.test", "a CNAME into a zone whose servers have no glue"},
	{"gone.lab", "a stale parent server still delegates a deleted zone to dead servers (SERVFAIL or NXDOMAIN)"},
	{"www.lame.test", "one server is lame: it answers REFUSED"},
	{"www.dead.test", "every server is dead: resolvers answer SERVFAIL"},
	{"www.halfdead.test", "one of two servers times out"},
	{"www.mismatch.test", "the parent and the zone list different name servers"},
	{"www.renumbered.test", "stale glue: the parent still has a server's old address"},
	{"www.trailing.test", "an NS written without its trailing dot"},
	{"www.edns.test", "a server answers FORMERR to EDNS"},
	{"www.slow.test", "a server takes 900 ms to answer"},
	{"big.tcp.test TXT", "a truncated answer whose TCP retry fails"},
	{"www.upward.test", "a server refers back to the root"},
	{"www.recursive.test", "a listed server is an open recursive resolver"},
	{"www.servfail.test", "a server answers SERVFAIL for its zone"},
	{"www.serial.test", "servers serve different serials and answers"},
	{"www.shared.test", "two name servers, one address"},
	{"www.single.test", "only one name server"},
	{"www.many.test", "nine name servers"},
	{"www.unres.test", "a name server whose name does not exist"},
	{"www.nsalias.test", "a name server that is a CNAME"},
	{"mxalias.test MX", "an MX that points to a CNAME"},
	{"www.wild.test MX", "a wildcard MX"},
	{"www.loop.test", "a CNAME loop"},
	{"www.chain.test", "a chain of CNAMEs"},
	{"www.nsttl.test", "NS records with TTL 0"},
	{"www.timers.test", "SOA timers out of range"},
	{"www.inconsistent.test", "the zone's servers publish different NS sets"},
	{"www.unreach.test", "a server's port is closed (ICMP unreachable)"},
	{"www.missingglue.test", "in-zone name servers without glue"},
	{"www.deep.test", "glueless name servers two levels deep"},
	{"www.cycle.test", "glueless name servers that depend on each other"},
	{"www.sub.extraglue.test", "a referral carries glue from outside its bailiwick"},
	{"nosuch.test", "a zone that is not delegated (try ddx check nosuch.test --demo)"},
	{"192.0.2.10", "an address typed as a name (use -x)"},
}

func cmdDemo(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	// A name among the arguments (not a flag's value: --color never) means
	// trace it.
	o, pos, err := parseOptions("demo", args, stderr, nil)
	if err != nil {
		return 0, err
	}
	if len(pos) > 0 || o.reverse != "" {
		return cmdTrace(ctx, args, stdin, stdout, stderr, true)
	}
	if interactive(o, stdin, stdout) {
		return cmdTrace(ctx, append([]string{"gone.lab"}, args...), stdin, stdout, stderr, true)
	}
	fmt.Fprintln(stdout, `The ddx demo universe: a root, the TLDs test., lab. and example., and zones that
each show one problem. It runs in-process with simulated latency; nothing
touches the network. Trace any of these with: ddx demo NAME [TYPE]
(or ddx check ZONE --demo).`)
	fmt.Fprintln(stdout)
	for _, d := range demoNames {
		fmt.Fprintf(stdout, "  %-24s %s\n", d.name, d.what)
	}
	if err := writeDemoResolvers(stdout); err != nil {
		return 0, err
	}
	fmt.Fprintln(stdout, "\nHere is the first one worth seeing, gone.lab: why one resolver says SERVFAIL\nand another NXDOMAIN.")
	fmt.Fprintln(stdout)
	// The tour succeeded if it showed the trace: its findings are the point.
	code, err := cmdTrace(ctx, append([]string{"gone.lab"}, args...), stdin, stdout, stderr, true)
	if err == nil && code == exitFindings {
		code = exitOK
	}
	return code, err
}

// writeDemoResolvers lists the demo's recursive resolvers, which compare
// and the dig-like mode ask with --demo.
func writeDemoResolvers(w io.Writer) error {
	u, err := demoUniverse()
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "\nIts resolvers disagree the way real ones do. Compare them with\nddx compare --demo NAME [TYPE] (e.g. gone.lab NS), or ask one with\nddx NAME @ADDR --demo:")
	fmt.Fprintln(w)
	for _, r := range u.Resolvers() {
		fmt.Fprintf(w, "  %s\n", r.Describe())
	}
	return nil
}
