package main

import (
	"fmt"
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

// tmuxSession builds ddx and runs it in a tmux session of the given size;
// it returns a function that runs tmux commands on that session's server.
func tmuxSession(t *testing.T, w, h string, args ...string) func(args ...string) string {
	t.Helper()
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
	tm(append([]string{"new-session", "-d", "-s", "ddx", "-x", w, "-y", h, "env", "TERM=xterm-256color", bin}, args...)...)
	return tm
}

// screenOf returns the function that reads the screen, and the one that
// waits until a condition on it holds.
func screenOf(t *testing.T, tm func(args ...string) string) (func() string, func(what string, ok func(string) bool)) {
	screen := func() string { return tm("capture-pane", "-p", "-t", "ddx") }
	wait := func(what string, ok func(string) bool) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for time.Now().Before(deadline) {
			if ok(screen()) {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("screen never showed %s:\n%s", what, screen())
	}
	return screen, wait
}

func waitQuit(t *testing.T, tm func(args ...string) string, screen func() string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if out := tm("has-session", "-t", "ddx"); strings.Contains(out, "can't find session") || strings.Contains(out, "no server") {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("ddx did not quit on q:\n%s", screen())
}

// TestTUIInTmux drives the real binary in a terminal: open the demo, read
// the outcome, open the findings, jump to the evidence, quit.
func TestTUIInTmux(t *testing.T) {
	tm := tmuxSession(t, "100", "30", "demo", "www.lame.test")
	screen, wait := screenOf(t, tm)
	waitFor := func(what string) {
		t.Helper()
		wait(fmt.Sprintf("%q", what), func(s string) bool { return strings.Contains(s, what) })
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
	// Escape and q sent at once read as alt+q: wait for the help to close.
	wait("the help closed", func(s string) bool { return !strings.Contains(s, "Status symbols") })
	tm("send-keys", "-t", "ddx", "q")
	waitQuit(t, tm, screen)
}

// TestTUIFirstScreenInTmux is issue 17's proof: at 80x24 the first
// screen of gone.lab shows both branches of the outcome and the dead
// servers without a key press; PgDn, g/G, ] and y work; a resize keeps
// the selection; o with "big.tcp.test TXT" traces TXT.
func TestTUIFirstScreenInTmux(t *testing.T) {
	tm := tmuxSession(t, "80", "24", "demo", "gone.lab")
	tm("set-option", "-g", "set-clipboard", "on")
	screen, wait := screenOf(t, tm)
	has := func(what ...string) func(string) bool {
		return func(s string) bool {
			for _, w := range what {
				if !strings.Contains(s, w) {
					return false
				}
			}
			return true
		}
	}
	send := func(keys ...string) { tm(append([]string{"send-keys", "-t", "ddx"}, keys...)...) }
	wait("both branches and the dead servers", has(
		"NXDOMAIN  ns1.nic.lab. and ns2.nic.lab. say gone.lab. does not exist",
		"SERVFAIL  both servers of gone.lab. timed out",
		"⏱ ns1.gone-hosting.test. 203.0.113.91",
		"⏱ ns2.gone-hosting.test. 192.0.2.92",
		"zone-unreachable"))
	first := screen()
	crumb := "▌. (root) › lab. › gone.lab. › ns1.gone-hosting.test. 203.0.113.91"
	if !strings.Contains(first, crumb) {
		t.Errorf("the cursor is not on the first dead server:\n%s", first)
	}

	send("y")
	wait("the copy prompt", has("copy: r the row"))
	send("d")
	wait("the copy", has("copied the dig command"))
	if buf := tm("show-buffer"); !strings.Contains(buf, "dig @203.0.113.91 gone.lab. A +norecurse") {
		t.Errorf("the clipboard (tmux buffer) holds %q", buf)
	}

	send("g")
	wait("g: the first row", has("▌. (root)\n", "›▾  → . (root)  2 name servers"))
	send("G")
	wait("G: the last row", has("› ", "✗ both servers of gone.lab. timed out"))
	send("g")
	wait("g again", has("›▾  → . (root)"))
	send("PgDn")
	wait("PgDn moves a page", func(s string) bool { return !strings.Contains(s, "›▾  → . (root)") })
	send("g", "]")
	wait("] on a problem", has("problem 1 of"))
	send("]")
	wait("] on the next problem", has("problem 2 of"))

	before := crumbLine(screen())
	tm("resize-window", "-t", "ddx", "-x", "140", "-y", "45")
	wait("the wide layout", has("│ Detail"))
	if after := crumbLine(screen()); after != before {
		t.Errorf("the resize moved the selection: %q, was %q", after, before)
	}
	tm("resize-window", "-t", "ddx", "-x", "80", "-y", "24")

	send("o")
	wait("the prompt", has("trace NAME [TYPE]"))
	send("-l", "big.tcp.test TXT")
	send("Enter")
	wait("the TXT trace", has("ddx big.tcp.test. TXT", "Outcome: "))
	send("q")
	waitQuit(t, tm, screen)
}

// crumbLine is the breadcrumb on a screen: the line of the tree's title.
func crumbLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "▌") {
			l, _, _ = strings.Cut(l, "│")
			return strings.TrimSpace(l)
		}
	}
	return ""
}
