// Command ddx-lab runs the demo universe on real DNS software (BIND, NSD,
// Unbound) on 127.53.0.0/16, for end-to-end tests and benchmarks.
//
//	ddx-lab up [-loss P] [-jitter J] [-seed N]
//	                start the lab, print its addresses, run until interrupted;
//	                the proxies lose a fraction P of UDP exchanges and spread
//	                each server's latency by ±J, as chosen by seed N
//	ddx-lab stop    remove whatever a lab left behind (daemons, addresses)
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/ddxdns/ddx"
	"github.com/ddxdns/ddx/lab"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "up" && args[0] != "stop") {
		fmt.Fprintln(stderr, "usage: ddx-lab up [-loss P] [-jitter J] [-seed N] | ddx-lab stop")
		return 2
	}
	fs := flag.NewFlagSet("ddx-lab "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c lab.Conditions
	if args[0] == "up" {
		fs.Float64Var(&c.Loss, "loss", 0, "lose this fraction of UDP exchanges (0.05 is 5%)")
		fs.Float64Var(&c.Jitter, "jitter", 0, "spread each server's latency by ± this fraction")
		fs.Uint64Var(&c.Seed, "seed", 1, "choose the lost packets and the jitter by this seed")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if fs.NArg() > 0 || c.Loss < 0 || c.Loss > 1 || c.Jitter < 0 || c.Jitter > 1 {
		fmt.Fprintln(stderr, "usage: ddx-lab up [-loss P] [-jitter J] [-seed N] | ddx-lab stop (P and J between 0 and 1)")
		return 2
	}
	if args[0] == "stop" {
		if err := lab.Cleanup(); err != nil {
			fmt.Fprintln(stderr, "ddx-lab:", err)
			return 1
		}
		return 0
	}
	dir, err := os.MkdirTemp("", lab.WorkDirPrefix)
	if err != nil {
		fmt.Fprintln(stderr, "ddx-lab:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	l, err := lab.Start(ctx, ddx.Universe, ddx.UniverseDir, dir, func(f string, a ...any) { fmt.Fprintf(stderr, f+"\n", a...) })
	if err != nil {
		fmt.Fprintln(stderr, "ddx-lab:", err)
		return 1
	}
	defer l.Stop()
	lost := l.SetConditions(c)
	fmt.Fprintf(stdout, "lab up in %s\nroot hints: %s\nresolvers: unbound %s, bind %s\n", dir, l.Hints, lab.UnboundAddr, lab.BindAddr)
	fmt.Fprintf(stdout, "encrypted resolver (unbound, filters %s): %s, %s, %s\nlab CA: %s\n",
		strings.Join(lab.FilteredZones, " "), lab.EncryptedAddr, lab.DoTURL(), lab.DoHURL(), l.CA)
	if c.Loss > 0 || c.Jitter > 0 {
		fmt.Fprintf(stdout, "network: %.0f%% UDP loss, ±%.0f%% latency jitter, seed %d\n", 100*c.Loss, 100*c.Jitter, c.Seed)
	}
	fmt.Fprintf(stdout, "try: ddx trace --root-hints %s -4 gone.lab\n", l.Hints)
	if l.TrustAnchor != "" {
		fmt.Fprintf(stdout, "DNSSEC: trust anchor %s (delv -a %s); validating unbound %s\n", l.TrustAnchor, l.DelvAnchors, lab.ValidatingAddr)
		fmt.Fprintf(stdout, "try: ddx trace --root-hints %s --trust-anchor %s -4 www.dsmismatch.test\n", l.Hints, l.TrustAnchor)
	}
	fmt.Fprintf(stdout, "try: ddx compare --tls-ca %s www.healthy.test @%s @%s @%s\n", l.CA, lab.EncryptedAddr, lab.DoTURL(), lab.DoHURL())
	<-ctx.Done()
	if c.Loss > 0 {
		fmt.Fprintf(stdout, "%d exchanges lost\n", lost())
	}
	return 0
}
