package main

import (
	"context"
	"fmt"
	"io"

	"github.com/ddxdns/ddx"
)

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
	for _, d := range ddx.Scenarios {
		fmt.Fprintf(stdout, "  %-24s %s\n", d.Query, d.About)
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
