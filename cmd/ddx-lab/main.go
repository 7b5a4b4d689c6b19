// Command ddx-lab runs the demo universe on real DNS software (BIND, NSD,
// Unbound) on 127.53.0.0/16, for end-to-end tests and benchmarks.
//
//	ddx-lab up      start the lab, print its addresses, run until interrupted
//	ddx-lab stop    remove whatever a lab left behind (daemons, addresses)
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/ddxdns/ddx"
	"github.com/ddxdns/ddx/lab"
)

func main() {
	if len(os.Args) != 2 || (os.Args[1] != "up" && os.Args[1] != "stop") {
		fmt.Fprintln(os.Stderr, "usage: ddx-lab up|stop")
		os.Exit(2)
	}
	if os.Args[1] == "stop" {
		if err := lab.Cleanup(); err != nil {
			fmt.Fprintln(os.Stderr, "ddx-lab:", err)
			os.Exit(1)
		}
		return
	}
	dir, err := os.MkdirTemp("", lab.WorkDirPrefix)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ddx-lab:", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	l, err := lab.Start(ctx, ddx.Universe, ddx.UniverseDir, dir, func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) })
	if err != nil {
		fmt.Fprintln(os.Stderr, "ddx-lab:", err)
		os.Exit(1)
	}
	fmt.Printf("lab up in %s\nroot hints: %s\nresolvers: unbound %s, bind %s\n", dir, l.Hints, lab.UnboundAddr, lab.BindAddr)
	fmt.Printf("try: ddx trace --root-hints %s -4 gone.lab\n", l.Hints)
	<-ctx.Done()
	l.Stop()
	os.RemoveAll(dir)
}
