package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// ddxBinary builds ddx once for the tests that need a real process.
func ddxBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ddx-bin")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "ddx")
		if out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput(); err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("build: %v", buildErr)
	}
	return builtBin
}

// blackhole is a UDP server on 127.0.0.1 that never answers; asked says
// when the first query arrived.
func blackhole(t *testing.T) (port string, asked <-chan struct{}) {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	ch := make(chan struct{})
	go func() {
		buf := make([]byte, 2048)
		if _, _, err := pc.ReadFrom(buf); err == nil {
			close(ch)
		}
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	return strconv.Itoa(pc.LocalAddr().(*net.UDPAddr).Port), ch
}

// TestSIGINTExits130 interrupts a trace and a comparison that wait on a
// server that never answers: ddx stops at once and exits 130 (143 for
// SIGTERM).
func TestSIGINTExits130(t *testing.T) {
	bin := ddxBinary(t)
	traceArgs := func(port string) []string {
		return []string{"trace", "www.example.test", "--root", "127.0.0.1", "--port", port, "-4", "--timeout", "1m", "-o", "text"}
	}
	for _, c := range []struct {
		name   string
		args   func(port string) []string
		sig    os.Signal
		status int
	}{
		{"trace", traceArgs, os.Interrupt, 130},
		{"trace-SIGTERM", traceArgs, syscall.SIGTERM, 143},
		{"compare", func(port string) []string {
			return []string{"compare", "www.example.test", "@127.0.0.1:" + port, "--root", "127.0.0.1", "--port", port, "-4",
				"--timeout", "1m", "--resolver-timeout", "1m", "-o", "text"}
		}, os.Interrupt, 130},
	} {
		t.Run(c.name, func(t *testing.T) {
			port, asked := blackhole(t)
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, c.args(port)...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			select {
			case <-asked:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("ddx never sent a query; stderr: %s", stderr.String())
			}
			began := time.Now()
			if err := cmd.Process.Signal(c.sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			if d := time.Since(began); d > 5*time.Second {
				t.Errorf("ddx took %s to stop after SIGINT", d)
			}
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != c.status {
				t.Errorf("ddx ended with %v, want exit status %d; stderr: %s", err, c.status, stderr.String())
			}
		})
	}
}

// TestExplorerInterruptExits130 runs the explorer in tmux on dead servers
// with a long timeout: ctrl+c, and SIGINT from outside, end it with 130,
// SIGTERM with 143, and each time the terminal is restored.
func TestExplorerInterruptExits130(t *testing.T) {
	tmux := needTool(t, "tmux", "tmux")
	bin := ddxBinary(t)
	for _, c := range []struct {
		how    string
		status string
	}{{"ctrl+c", "130"}, {"SIGINT", "130"}, {"SIGTERM", "143"}} {
		how := c.how
		t.Run(how, func(t *testing.T) {
			sock := filepath.Join(t.TempDir(), "tmux.sock")
			tm := func(args ...string) string {
				out, _ := exec.Command(tmux, append([]string{"-S", sock}, args...)...).CombinedOutput()
				return string(out)
			}
			t.Cleanup(func() { tm("kill-server") })
			// sh runs ddx and then says how it exited.
			tm("new-session", "-d", "-s", "ddx", "-x", "100", "-y", "30", "env", "TERM=xterm-256color",
				"sh", "-c", `"$0" demo www.dead.test --timeout 1m; echo "ddx exited $?"; sleep 60`, bin)
			screen := func() string { return tm("capture-pane", "-p", "-t", "ddx") }
			waitFor := func(what string, cond func() bool) {
				t.Helper()
				deadline := time.Now().Add(10 * time.Second)
				for !cond() {
					if time.Now().After(deadline) {
						t.Fatalf("never %s:\n%s", what, screen())
					}
					time.Sleep(50 * time.Millisecond)
				}
			}
			waitFor("tracing", func() bool { return strings.Contains(screen(), "tracing") })
			switch how {
			case "ctrl+c":
				tm("send-keys", "-t", "ddx", "C-c")
			default:
				sh := strings.TrimSpace(tm("display-message", "-p", "-t", "ddx", "#{pane_pid}"))
				children, err := os.ReadFile("/proc/" + sh + "/task/" + sh + "/children")
				if err != nil {
					t.Skipf("cannot find ddx's pid: %v", err)
				}
				pid, err := strconv.Atoi(strings.TrimSpace(string(children)))
				if err != nil {
					t.Fatalf("children of sh: %q", children)
				}
				p, err := os.FindProcess(pid)
				if err != nil {
					t.Fatal(err)
				}
				sig := os.Signal(os.Interrupt)
				if how == "SIGTERM" {
					sig = syscall.SIGTERM
				}
				if err := p.Signal(sig); err != nil {
					t.Fatal(err)
				}
			}
			var got string
			waitFor("exited", func() bool {
				_, after, ok := strings.Cut(screen(), "ddx exited ")
				got = strings.TrimSpace(after)
				return ok && got != ""
			})
			if got != c.status {
				t.Errorf("exit status %s, want %s", got, c.status)
			}
			// The terminal was given back: the alternate screen is gone.
			if strings.Contains(screen(), "Delegation tree") {
				t.Errorf("the explorer is still on the screen:\n%s", screen())
			}
		})
	}
}

// TestExitStatusOfASignal: a signal that cancelled the context decides the
// status, 128 plus its number; without one, run's code stands.
func TestExitStatusOfASignal(t *testing.T) {
	ctx, stop := interruptible(t.Context())
	if got := exitStatus(ctx, exitFindings); got != exitFindings {
		t.Errorf("no signal: status %d", got)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("SIGTERM did not cancel the context")
	}
	stop()
	if got := exitStatus(ctx, exitUnresolved); got != 143 {
		t.Errorf("after SIGTERM: status %d, want 143", got)
	}
	ctx, stop = interruptible(t.Context())
	stop()
	if got := exitStatus(ctx, exitOK); got != exitOK {
		t.Errorf("stopped without a signal: status %d", got)
	}
}
