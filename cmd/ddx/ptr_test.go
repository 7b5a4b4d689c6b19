package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPTRFlag: --ptr on check and trace (with --demo) reports the demo's
// address without a PTR, saved traces keep it, and commands that do not
// trace a zone refuse the flag.
func TestPTRFlag(t *testing.T) {
	t.Parallel()
	code, out, errs := runDDX(t, "check", "--demo", "--ptr", "noptr.test")
	if code != exitOK || !strings.Contains(out, "ptr-mismatch") || !strings.Contains(out, "203.0.113.193 (mail.noptr.test.) has no PTR record") ||
		!strings.Contains(out, "4 addresses of noptr.test.'s hosts: 3 confirmed, 1 without PTR") {
		t.Errorf("check --ptr: exit %d\n%s%s", code, out, errs)
	}
	if _, out, _ := runDDX(t, "check", "--demo", "noptr.test"); strings.Contains(out, "ptr-mismatch") || strings.Contains(out, "--ptr") {
		t.Errorf("check without --ptr looked up PTRs:\n%s", out)
	}
	if code, out, errs := runDDX(t, "trace", "--demo", "--ptr", "www.rdns.test"); code != exitOK || !strings.Contains(out, "4 addresses of rdns.test.'s hosts: 4 confirmed") {
		t.Errorf("trace --ptr: exit %d\n%s%s", code, out, errs)
	}

	code, saved, _ := runDDX(t, "check", "--demo", "--ptr", "wrongptr.test", "-o", "json")
	file := filepath.Join(t.TempDir(), "wrongptr.json")
	if err := os.WriteFile(file, []byte(saved), 0o644); err != nil || code != exitOK {
		t.Fatalf("saving: exit %d, %v", code, err)
	}
	if code, out, errs := runDDX(t, "show", file); code != exitOK || !strings.Contains(out, "the PTR of 203.0.113.195 (mail.wrongptr.test.) names mail.rdns.test.") {
		t.Errorf("show of a saved --ptr trace: exit %d\n%s%s", code, out, errs)
	}

	if code, _, errs := runDDX(t, "compare", "--demo", "--ptr", "www.healthy.test"); code != exitUsage || !strings.Contains(errs, "unknown flag -ptr") {
		t.Errorf("compare --ptr: exit %d, %s", code, errs)
	}
	for _, args := range [][]string{{"check", "--help"}, {"trace", "--help"}, {"help"}} {
		if _, out, _ := runDDX(t, args...); !strings.Contains(out, "--ptr ") {
			t.Errorf("%v does not list --ptr:\n%s", args, out)
		}
	}
}
