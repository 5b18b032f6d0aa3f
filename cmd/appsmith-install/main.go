// Command appsmith-install installs and runs a self-hosted Appsmith. It also
// answers to the name `appsmith` for day-two commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"

	"github.com/appsmith-install/appsmith-install/internal/cli"
)

func main() {
	// A signal cancels the context: the running step stops cleanly and the
	// next run continues from what it finds.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args, cli.IO{
		In: os.Stdin, Out: os.Stdout, Err: os.Stderr,
		IsTTY:  term.IsTerminal(int(os.Stdin.Fd())) && term.IsTerminal(int(os.Stderr.Fd())),
		Getenv: os.Getenv,
	}, cli.RealDeps())
	stop()
	os.Exit(code)
}
