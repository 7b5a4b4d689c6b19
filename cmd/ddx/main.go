// Command ddx is a DNS debugger: it traces a name from the root asking
// every server, explains what is wrong, and compares resolvers.
package main

import (
	"context"
	"os"
)

func main() {
	ctx, stop := interruptible(context.Background())
	code := exitStatus(ctx, run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	stop()
	os.Exit(code)
}
