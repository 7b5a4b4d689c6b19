package ui

import (
	"context"
	"errors"
	"io"
	"os"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/term"
	"github.com/ddxdns/ddx/diagnose"
)

// ErrInterrupted is returned by Run when the user pressed ctrl+c (or the
// program got SIGINT): the command should exit with status 130.
var ErrInterrupted = errors.New("interrupted")

// RunOptions configure Run: the explorer, and the terminal it runs on.
type RunOptions struct {
	Options
	In  io.Reader
	Out io.Writer
}

// engineGrace is how long Run waits for a cancelled trace to return.
const engineGrace = 2 * time.Second

// Run shows the explorer full-screen until the user quits or ctx is done,
// and returns the last report that finished (nil if none did). Every trace
// runs under a context derived from ctx and is cancelled before Run
// returns. Run returns ErrInterrupted if the user pressed ctrl+c, and
// ctx's error if ctx ended it.
//
// Run does not catch signals: the caller cancels ctx on SIGINT or SIGTERM.
// (Bubble Tea's own handler can block forever when a signal arrives as
// the context ends the program, so it is off.)
func Run(ctx context.Context, opt RunOptions) (*diagnose.Report, error) {
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	if opt.Clipboard == nil {
		var out io.Writer = os.Stdout
		if opt.Out != nil {
			out = opt.Out
		}
		opt.Clipboard = osc52(out)
	}
	p := tea.NewProgram(NewModel(runCtx, opt.Options), tea.WithAltScreen(), tea.WithMouseCellMotion(),
		tea.WithContext(ctx), tea.WithoutSignalHandler(), tea.WithInput(opt.In), tea.WithOutput(opt.Out))
	final, err := p.Run()
	cancel()
	m, _ := final.(Model)
	m.wait(engineGrace)
	switch {
	case ctx.Err() != nil:
		return m.report, ctx.Err()
	case m.interrupted:
		return m.report, ErrInterrupted
	case err != nil:
		return m.report, err
	}
	return m.report, nil
}

// IsTerminal reports whether both ends are terminals, so the explorer can
// run.
func IsTerminal(stdin io.Reader, stdout io.Writer) bool {
	in, ok1 := stdin.(*os.File)
	out, ok2 := stdout.(*os.File)
	return ok1 && ok2 && term.IsTerminal(in.Fd()) && term.IsTerminal(out.Fd())
}
