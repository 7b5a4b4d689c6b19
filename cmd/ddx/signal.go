package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// exitInterrupted is the status of a command ended by SIGINT (128+2), as
// shells report it; ddx exits with it in every mode, and when the user
// presses ctrl+c in the explorer.
const exitInterrupted = 130

// signalError is the cause of a context cancelled by a signal.
type signalError struct{ sig os.Signal }

func (e signalError) Error() string { return e.sig.String() }

// interruptible returns a context that SIGINT or SIGTERM cancels, with the
// signal as its cause. After the first signal ddx no longer catches them,
// so a second one kills it at once. stop releases the handler.
//
// It plays the part of signal.NotifyContext, whose cause does not say
// which signal came. The explorer relies on it: it does not catch signals
// itself (see ui.Run), it ends when the context does.
func interruptible(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			cancel(signalError{s})
		case <-done:
		}
		signal.Stop(ch)
	}()
	var once sync.Once
	return ctx, func() {
		once.Do(func() { close(done) })
		cancel(context.Canceled)
	}
}

// exitStatus is code, or 128 plus the signal's number when a signal ended
// the run (130 for SIGINT, 143 for SIGTERM), whatever run made of it.
func exitStatus(ctx context.Context, code int) int {
	var se signalError
	if errors.As(context.Cause(ctx), &se) {
		if s, ok := se.sig.(syscall.Signal); ok {
			return 128 + int(s)
		}
		return exitInterrupted
	}
	return code
}
