// Command ddx is a DNS debugger: it traces a name from the root asking
// every server, explains what is wrong, and compares resolvers.
package main

import (
	"context"
	"os"
	"os/signal"
)

// exitInterrupted is the status of a command ended by SIGINT (128+2), as
// shells report it; ddx exits with it in every mode.
const exitInterrupted = 130

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	go func() {
		// After the first interrupt, a second one kills ddx at once.
		<-ctx.Done()
		stop()
	}()
	code := exitStatus(ctx, run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	stop()
	os.Exit(code)
}

// exitStatus is code, or 130 when ctx, the signal context, was cancelled
// by SIGINT, whatever run made of the interruption.
func exitStatus(ctx context.Context, code int) int {
	if ctx.Err() != nil {
		return exitInterrupted
	}
	return code
}
