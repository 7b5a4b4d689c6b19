package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// needTool skips locally when a tool is missing, saying what to install;
// under CI (CI=true) a missing tool is a failure, since .ci/run installs it.
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: .ci/run should have installed the Debian package %s", name, pkg)
		}
		t.Skipf("%s is not installed: apt-get install %s to run this test", name, pkg)
	}
	return p
}

// TestTUIInTmux drives the real binary in a terminal: open the demo, read
// the outcome, open the findings, jump to the evidence, quit.
func TestTUIInTmux(t *testing.T) {
	tmux := needTool(t, "tmux", "tmux")
	bin := filepath.Join(t.TempDir(), "ddx")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	sock := filepath.Join(t.TempDir(), "tmux.sock")
	tm := func(args ...string) string {
		out, _ := exec.Command(tmux, append([]string{"-S", sock}, args...)...).CombinedOutput()
		return string(out)
	}
	t.Cleanup(func() { tm("kill-server") })
	tm("new-session", "-d", "-s", "ddx", "-x", "100", "-y", "30", "env", "TERM=xterm-256color", bin, "demo", "www.lame.test")
	screen := func() string { return tm("capture-pane", "-p", "-t", "ddx") }
	waitFor := func(what string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if strings.Contains(screen(), what) {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("screen never showed %q:\n%s", what, screen())
	}
	waitFor("Outcome: NOERROR")
	waitFor("ns2.lame.test. 192.0.2.31  REFUSED")
	tm("send-keys", "-t", "ddx", "f")
	waitFor("lame-delegation")
	tm("send-keys", "-t", "ddx", "Enter")
	waitFor("evidence of lame-delegation")
	tm("send-keys", "-t", "ddx", "?")
	waitFor("Status symbols")
	tm("send-keys", "-t", "ddx", "Escape")
	tm("send-keys", "-t", "ddx", "q")
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(tm("has-session", "-t", "ddx"), "can't find session") || strings.Contains(tm("has-session", "-t", "ddx"), "no server") {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("ddx did not quit on q:\n%s", screen())
}
