package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestChangeTypeAndOpenNameRerun(t *testing.T) {
	m := finished(t, "www.healthy.test.", 100, 30)
	m = keys(t, m, "t")
	m.input.SetValue("aaaa")
	m = keys(t, m, "enter")
	if m.Report() == nil || m.Report().Query.Type != "AAAA" || !strings.Contains(strings.Join(m.Report().Outcome.Answers, " "), "2001:db8::80") {
		t.Fatalf("after t AAAA: %+v", m.Report())
	}
	if !strings.Contains(m.View(), "ddx www.healthy.test. AAAA") {
		t.Errorf("the title does not say AAAA:\n%s", m.View())
	}
	m = keys(t, m, "o")
	m.input.SetValue("www.lame.test")
	m = keys(t, m, "enter")
	if m.Report() == nil || m.Report().Query.Name != "www.lame.test." || strings.Join(findingIDs(m.Report()), " ") != "lame-delegation" {
		t.Fatalf("after o: %+v", m.Report())
	}
}

func TestUnknownTypeIsSaidAndNothingRuns(t *testing.T) {
	m := finished(t, "www.healthy.test.", 100, 30)
	run := m.run
	m = keys(t, m, "t")
	m.input.SetValue("NOPE")
	m = keys(t, m, "enter")
	if m.run != run || !strings.Contains(m.View(), "unknown type NOPE") {
		t.Errorf("run %d (was %d), view:\n%s", m.run, run, m.View())
	}
}

func TestEscClosesThePrompt(t *testing.T) {
	m := keys(t, finished(t, "www.healthy.test.", 100, 30), "o", "x", "esc")
	if m.mode != modeNormal || m.name != "www.healthy.test." {
		t.Errorf("mode %d, name %q after esc", m.mode, m.name)
	}
}

// TestWriteFile writes the report with w and reads it back: the JSON and
// the text both carry the outcome and the findings.
func TestWriteFile(t *testing.T) {
	m := finished(t, "www.lame.test.", 100, 30)
	dir := t.TempDir()
	write := func(name string) []byte {
		t.Helper()
		path := filepath.Join(dir, name)
		m = keys(t, m, "w")
		m.input.SetValue(path)
		m = keys(t, m, "enter")
		if !strings.HasPrefix(m.message, "wrote "+path+": ") {
			t.Errorf("message %q", m.message)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	var doc struct {
		Query   struct{ Name, Type string }
		Outcome struct{ Rcode string }
		Steps   []json.RawMessage
		Finding []struct {
			ID      string
			Servers []string
		} `json:"findings"`
	}
	if err := json.Unmarshal(write("out.json"), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Query.Name != "www.lame.test." || doc.Query.Type != "A" || doc.Outcome.Rcode != "NOERROR" || len(doc.Steps) == 0 {
		t.Errorf("JSON query %+v, outcome %q, %d steps", doc.Query, doc.Outcome.Rcode, len(doc.Steps))
	}
	if len(doc.Finding) != 1 || doc.Finding[0].ID != "lame-delegation" || !strings.Contains(strings.Join(doc.Finding[0].Servers, " "), "192.0.2.31") {
		t.Errorf("JSON findings %+v, want lame-delegation about 192.0.2.31", doc.Finding)
	}

	text := string(write("out.txt"))
	for _, want := range []string{"Trace of www.lame.test. A", "Outcome: NOERROR", "lame-delegation", "ns2.lame.test."} {
		if !strings.Contains(text, want) {
			t.Errorf("the text report lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "\x1b") {
		t.Error("the text report has escape sequences")
	}
}

func TestWriteFileBeforeTheEnd(t *testing.T) {
	m := newTestModel(t, "www.healthy.test.", 100, 30)
	if msg := m.writeFile(filepath.Join(t.TempDir(), "x.txt")); msg != "the trace has not finished yet" {
		t.Errorf("message %q", msg)
	}
}

// TestWriteAsksBeforeOverwriting: w on an existing file asks; n keeps it.
func TestWriteAsksBeforeOverwriting(t *testing.T) {
	m := finished(t, "www.lame.test.", 100, 30)
	path := filepath.Join(t.TempDir(), "keep.txt")
	if err := os.WriteFile(path, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	m = keys(t, m, "w")
	m.input.SetValue(path)
	m = keys(t, m, "enter")
	if m.mode != modeOverwrite || !strings.Contains(m.View(), "overwrite it? y/n") {
		t.Fatalf("no question before overwriting: mode %d\n%s", m.mode, m.View())
	}
	m = keys(t, m, "n")
	if b, _ := os.ReadFile(path); string(b) != "precious" || !strings.HasPrefix(m.message, "not written") {
		t.Errorf("n: file %q, message %q", b, m.message)
	}
	m = keys(t, m, "w")
	m.input.SetValue(path)
	m = keys(t, m, "enter", "y")
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), "Trace of www.lame.test. A") || !strings.Contains(m.message, "not only the open rows") {
		t.Errorf("y: file %q, message %q", b, m.message)
	}
}
