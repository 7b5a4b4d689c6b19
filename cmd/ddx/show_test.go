package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestShowSavedTrace: a trace saved with -o json and shown later, on a
// machine with no network (show sends nothing), gives the same verdict.
func TestShowSavedTrace(t *testing.T) {
	t.Parallel()
	code, saved, errs := runDDX(t, "check", "--demo", "-o", "json", "renumbered.test")
	if code != exitFindings {
		t.Fatalf("check: exit %d: %s", code, errs)
	}
	file := filepath.Join(t.TempDir(), "ticket-4711.json")
	if err := os.WriteFile(file, []byte(saved), 0o644); err != nil {
		t.Fatal(err)
	}
	code, shown, errs := runDDX(t, "show", "-o", "json", file)
	if code != exitFindings {
		t.Fatalf("show: exit %d: %s", code, errs)
	}
	type doc struct {
		Outcome  struct{ Rcode string }
		Findings []struct{ ID, Zone string }
	}
	var a, b doc
	if err := json.Unmarshal([]byte(saved), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(shown), &b); err != nil {
		t.Fatal(err)
	}
	if a.Outcome != b.Outcome || !slices.Equal(a.Findings, b.Findings) {
		t.Errorf("saved %+v, shown %+v", a, b)
	}
	if !slices.ContainsFunc(b.Findings, func(f struct{ ID, Zone string }) bool { return f.ID == "glue-mismatch" }) {
		t.Errorf("shown findings lack glue-mismatch: %+v", b.Findings)
	}
	code, text, _ := runDDX(t, "show", file)
	if code != exitFindings || !strings.Contains(text, "glue-mismatch") || !strings.Contains(text, "203.0.113.60") {
		t.Errorf("show as text: exit %d:\n%s", code, text)
	}
}

func TestShowRefusesWhatIsNotATrace(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notTrace := filepath.Join(dir, "zone.txt")
	os.WriteFile(notTrace, []byte("example.com. 300 IN A 192.0.2.1\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"show", filepath.Join(dir, "missing.json")}, "cannot read the saved trace"},
		{[]string{"show", notTrace}, "not a ddx trace"},
		{[]string{"show"}, "show takes one saved trace"},
	} {
		code, _, errs := runDDX(t, c.args...)
		if code != exitUsage || !strings.Contains(errs, c.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q", c.args, code, errs)
		}
	}
}

// TestShowHostileSavedTrace: a saved trace is any JSON anyone sends with a
// ticket. Empty entries where ddx's own traces always have one (a step's
// SOA primary, its servers and queries) are refused in one line, exit 2,
// not a panic; a server's name and address reach the terminal escaped.
func TestShowHostileSavedTrace(t *testing.T) {
	t.Parallel()
	code, saved, errs := runDDX(t, "check", "--demo", "-o", "json", "mname.test")
	if code != exitOK {
		t.Fatalf("check: exit %d: %s", code, errs)
	}
	// edit decodes the saved check, lets f change the step that has the
	// SOA primary, and writes the result to a file.
	edit := func(name string, f func(st map[string]any)) string {
		var doc map[string]any
		if err := json.Unmarshal([]byte(saved), &doc); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, s := range doc["steps"].([]any) {
			if st := s.(map[string]any); st["primaries"] != nil {
				f(st)
				found = true
			}
		}
		if !found {
			t.Fatal("the saved check of mname.test has no SOA primary")
		}
		b, _ := json.Marshal(doc)
		file := filepath.Join(t.TempDir(), name+".json")
		if err := os.WriteFile(file, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return file
	}
	query := func(st map[string]any) any {
		return st["servers"].([]any)[0].(map[string]any)["queries"].([]any)[0]
	}
	for name, f := range map[string]func(st map[string]any){
		"empty-primary": func(st map[string]any) { st["primaries"] = []any{nil} },
		"empty-primary-server": func(st map[string]any) {
			st["primaries"].([]any)[0].(map[string]any)["servers"] = []any{nil}
		},
		"empty-primary-query": func(st map[string]any) {
			st["primaries"].([]any)[0].(map[string]any)["servers"] = []any{map[string]any{"name": "p.", "address": "192.0.2.1", "queries": []any{nil}}}
		},
		"empty-query": func(st map[string]any) {
			s := st["servers"].([]any)[0].(map[string]any)
			s["queries"] = append(s["queries"].([]any), nil)
		},
		"empty-result": func(st map[string]any) { st["results"] = append(st["results"].([]any), nil) },
		"result-to-nowhere": func(st map[string]any) {
			st["results"].([]any)[0].(map[string]any)["next"] = 99999
		},
		"result-to-itself": func(st map[string]any) {
			st["results"].([]any)[0].(map[string]any)["next"] = st["id"]
		},
		"answer-without-reply": func(st map[string]any) {
			q := query(st).(map[string]any)
			delete(q, "reply_wire")
			delete(q, "rcode")
		},
	} {
		code, _, errs := runDDX(t, "show", edit(name, f))
		if code != exitUsage || !strings.Contains(errs, "not a ddx trace") && !strings.Contains(errs, "damaged trace") || strings.Count(errs, "\n") != 1 {
			t.Errorf("%s: exit %d, stderr %q", name, code, errs)
		}
	}
	// A blank trust anchor (a saved trace's, or a comment line) is no
	// anchor, not a crash.
	var doc map[string]any
	if err := json.Unmarshal([]byte(saved), &doc); err != nil {
		t.Fatal(err)
	}
	doc["config"].(map[string]any)["dnssec"].(map[string]any)["anchors"] = []any{"", nil}
	b, _ := json.Marshal(doc)
	blank := filepath.Join(t.TempDir(), "blank-anchor.json")
	if err := os.WriteFile(blank, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runDDX(t, "show", blank); code != exitOK && code != exitFindings || errs != "" {
		t.Errorf("blank anchors: exit %d: %.300s", code, errs)
	}
	file := edit("escape", func(st map[string]any) {
		st["servers"].([]any)[0].(map[string]any)["name"] = "ns\x1b]0;owned\a."
		q := query(st).(map[string]any)
		q["flags"] = []any{"aa\x1b[5m"}
		q["transport"] = "udp\x1b[8m"
		for _, s := range st["servers"].([]any)[1:] {
			for _, q := range s.(map[string]any)["queries"].([]any) {
				q.(map[string]any)["type"] = "NS\x1b[1m"
			}
		}
		st["primaries"].([]any)[0].(map[string]any)["servers"] = []any{map[string]any{
			"name": "primary\x1b[2J.", "address": "192.0.2.1\x1b[31m", "queries": []any{query(st)}}}
	})
	code, out, errs := runDDX(t, "show", "-v", "--color", "never", file)
	if code != exitFindings && code != exitOK {
		t.Fatalf("show: exit %d: %s", code, errs)
	}
	if strings.ContainsRune(out, 0x1b) || strings.ContainsRune(out, '\a') {
		t.Errorf("a control character reached the terminal:\n%s", out)
	}
	for _, want := range []string{`ns\027]0;owned\007.`, `primary\027[2J. 192.0.2.1\027[31m`, `udp\027[8m`, `aa\027[5m`, `NS\027[1m`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
