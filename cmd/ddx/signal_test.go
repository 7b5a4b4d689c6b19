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
// server that never answers: ddx stops at once and exits 130.
func TestSIGINTExits130(t *testing.T) {
	bin := ddxBinary(t)
	for _, c := range []struct {
		name string
		args func(port string) []string
	}{
		{"trace", func(port string) []string {
			return []string{"trace", "www.example.test", "--root", "127.0.0.1", "--port", port, "-4", "--timeout", "1m", "-o", "text"}
		}},
		{"compare", func(port string) []string {
			return []string{"compare", "www.example.test", "@127.0.0.1:" + port, "--root", "127.0.0.1", "--port", port, "-4",
				"--timeout", "1m", "--resolver-timeout", "1m", "-o", "text"}
		}},
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
			if err := cmd.Process.Signal(os.Interrupt); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			if d := time.Since(began); d > 5*time.Second {
				t.Errorf("ddx took %s to stop after SIGINT", d)
			}
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 130 {
				t.Errorf("ddx ended with %v, want exit status 130; stderr: %s", err, stderr.String())
			}
		})
	}
}

// TestExplorerInterruptExits130 runs the explorer in tmux on dead servers
// with a long timeout: ctrl+c, and SIGINT from outside, end it with 130.
func TestExplorerInterruptExits130(t *testing.T) {
	tmux := needTool(t, "tmux", "tmux")
	bin := ddxBinary(t)
	for _, how := range []string{"ctrl+c", "SIGINT"} {
		t.Run(how, func(t *testing.T) {
			sock := filepath.Join(t.TempDir(), "tmux.sock")
			tm := func(args ...string) string {
				out, _ := exec.Command(tmux, append([]string{"-S", sock}, args...)...).CombinedOutput()
				return string(out)
			}
			t.Cleanup(func() { tm("kill-server") })
			tm("new-session", "-d", "-s", "ddx", "-x", "100", "-y", "30", "env", "TERM=xterm-256color",
				bin, "demo", "www.dead.test", "--timeout", "1m")
			// The pane stays after ddx exits, to read its status.
			tm("set-window-option", "-t", "ddx", "remain-on-exit", "on")
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
			case "SIGINT":
				pid, err := strconv.Atoi(strings.TrimSpace(tm("display-message", "-p", "-t", "ddx", "#{pane_pid}")))
				if err != nil {
					t.Fatal(err)
				}
				p, err := os.FindProcess(pid)
				if err != nil {
					t.Fatal(err)
				}
				if err := p.Signal(os.Interrupt); err != nil {
					t.Fatal(err)
				}
			}
			var got string
			waitFor("exited", func() bool {
				f := strings.Fields(tm("display-message", "-p", "-t", "ddx", "#{pane_dead} #{pane_dead_status}"))
				if len(f) == 2 && f[0] == "1" {
					got = f[1]
				}
				return got != ""
			})
			if got != "130" {
				t.Errorf("exit status %s, want 130", got)
			}
		})
	}
}
