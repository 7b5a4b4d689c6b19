package diagnose_test

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/ddxdns/ddx/diagnose"
	"github.com/miekg/dns"
	"golang.org/x/tools/txtar"
)

// FuzzLint runs the whole lint pipeline (reading, every zone rule) over
// hostile zone files: it must never panic, and every finding must say
// where it is.
func FuzzLint(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "zonelint", "*", "*.txtar"))
	for _, file := range files {
		a, err := txtar.ParseFile(file)
		if err == nil && len(a.Files) > 0 {
			f.Add(a.Files[0].Data, "")
		}
	}
	f.Add([]byte("@ SOA a b 1 2 3 4 5\n$INCLUDE loop.inc\n"), "example.")
	f.Add([]byte("$GENERATE 1-100000 host$ A 192.0.2.$\n"), "example.")
	f.Add([]byte("a ( ( ( ) \"\\0\n"), "")
	fsys := fstest.MapFS{
		"loop.inc":  {Data: []byte("$INCLUDE loop.inc\n")},
		"hosts.inc": {Data: []byte("www A 192.0.2.1\n")},
	}
	f.Fuzz(func(t *testing.T, data []byte, origin string) {
		z, err := diagnose.ReadZone(bytes.NewReader(data), diagnose.ZoneOptions{
			File: "fuzz.zone", Origin: origin, Include: fsys, MaxRecords: 2000, MaxBytes: 1 << 16,
		})
		if err != nil {
			if errors.Is(err, diagnose.ErrZoneTooLarge) || errors.Is(err, diagnose.ErrBadOrigin) {
				return
			}
			t.Fatalf("ReadZone: %v", err)
		}
		rep := diagnose.Lint(z)
		for _, x := range rep.Findings {
			if x.File == "" || x.ID == "" || x.Summary == "" {
				t.Errorf("finding without its place or words: %+v", x)
			}
		}
	})
}

func TestReadZoneLimits(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("www A 192.0.2.1\n", 100)
	_, err := diagnose.ReadZone(strings.NewReader("$ORIGIN example.\n"+big), diagnose.ZoneOptions{MaxRecords: 50})
	if !errors.Is(err, diagnose.ErrZoneTooLarge) {
		t.Errorf("record cap: %v", err)
	}
	_, err = diagnose.ReadZone(strings.NewReader("$ORIGIN example.\n"+big), diagnose.ZoneOptions{MaxBytes: 200})
	if !errors.Is(err, diagnose.ErrZoneTooLarge) {
		t.Errorf("byte cap: %v", err)
	}
	// $GENERATE cannot get around the record cap.
	_, err = diagnose.ReadZone(strings.NewReader("$ORIGIN example.\n$GENERATE 1-5000 h$ A 192.0.2.1\n"), diagnose.ZoneOptions{MaxRecords: 1000})
	if !errors.Is(err, diagnose.ErrZoneTooLarge) {
		t.Errorf("$GENERATE: %v", err)
	}
	// An include loop ends at the parser's depth limit, as a syntax finding.
	fsys := fstest.MapFS{"loop.inc": {Data: []byte("$INCLUDE loop.inc\n")}}
	z, err := diagnose.ReadZone(strings.NewReader("$ORIGIN example.\n$INCLUDE loop.inc\n"), diagnose.ZoneOptions{File: "z", Include: fsys})
	if err != nil || z.Complete || len(z.Problems) != 1 {
		t.Fatalf("include loop: %v %+v", err, z)
	}
	// Without Include (standard input), $INCLUDE is refused.
	z, err = diagnose.ReadZone(strings.NewReader("$ORIGIN example.\n$INCLUDE hosts.inc\n"), diagnose.ZoneOptions{})
	if err != nil || len(z.Problems) != 1 || !strings.Contains(z.Problems[0].Message, "$INCLUDE") {
		t.Fatalf("include from stdin: %v %+v", err, z.Problems)
	}
}

// TestZoneLines: every record knows its first line, in its own file.
func TestZoneLines(t *testing.T) {
	t.Parallel()
	src := "; comment\n$ORIGIN example.\n\n$TTL 60\n@ SOA ns1 h ( 1 ; serial\n 2 3 4\n 5 )\n  NS ns1\nwww A 192.0.2.1 ; \"quoted ( in comment\ntxt TXT \"a\n(b\" \"c;d\"\nlast A 192.0.2.2"
	z, err := diagnose.ReadZone(strings.NewReader(src), diagnose.ZoneOptions{File: "lines.zone"})
	if err != nil {
		t.Fatal(err)
	}
	want := []int{5, 8, 9, 10, 12}
	if len(z.Records) != len(want) {
		t.Fatalf("%d records: %v", len(z.Records), z.Problems)
	}
	for i, r := range z.Records {
		if r.Line != want[i] || r.File != "lines.zone" {
			t.Errorf("record %d (%s) at %s:%d, want line %d", i, r.RR, r.File, r.Line, want[i])
		}
	}
	if z.Origin != "example." {
		t.Errorf("origin %q", z.Origin)
	}
}

// TestLintCapsFindings: one rule reports at most a few hundred findings on
// one zone, then says how many more it found.
func TestLintCapsFindings(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("$ORIGIN example.\n@ SOA ns1 h 1 7200 1800 1209600 3600\n@ NS ns1\n@ NS ns2\nns1 A 192.0.2.1\nns2 A 192.0.2.2\n")
	for i := range 1000 {
		fmt.Fprintf(&b, "h%d.example.net. A 192.0.2.3\n", i)
	}
	z, err := diagnose.ReadZone(strings.NewReader(b.String()), diagnose.ZoneOptions{File: "many.zone"})
	if err != nil {
		t.Fatal(err)
	}
	n, more := 0, ""
	for _, f := range diagnose.Lint(z).Findings {
		if f.ID == "out-of-zone-data" {
			n++
			if f.Line == 0 {
				more = f.Summary
			}
		}
	}
	if n > 300 || !strings.Contains(more, "more out-of-zone-data findings not shown") {
		t.Errorf("%d out-of-zone-data findings; last: %q", n, more)
	}
}

// TestLintTransfer: the zone rules run over records in hand, as an AXFR
// gives them (no lines: findings name the transfer).
func TestLintTransfer(t *testing.T) {
	t.Parallel()
	var recs []diagnose.ZoneRecord
	for _, s := range []string{
		"example. 3600 SOA ns1.example. h.example. 1 7200 1800 1209600 3600",
		"example. 3600 NS ns1.example.",
		"example. 3600 NS ns2.example.",
		"ns1.example. 3600 A 192.0.2.1",
		"ns2.example. 3600 A 192.0.2.2",
		"example. 3600 MX 10 mail.example.",
		"mail.example. 3600 CNAME ns1.example.",
	} {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, diagnose.ZoneRecord{RR: rr, File: "AXFR from ns1.example. (192.0.2.1)"})
	}
	rep := diagnose.Lint(diagnose.NewZoneContent("example.", "AXFR from ns1.example. (192.0.2.1)", recs))
	if len(rep.Findings) != 1 || rep.Findings[0].ID != "mx-to-cname" || rep.Findings[0].Line != 0 ||
		!strings.HasPrefix(rep.Findings[0].Explanation, "AXFR from ns1.example. (192.0.2.1): ") {
		t.Errorf("%+v", rep.Findings)
	}
}

// TestZoneTTLs: without $TTL, records after the SOA get its minimum (as
// BIND does), and an explicit TTL carries on to the next records.
func TestZoneTTLs(t *testing.T) {
	t.Parallel()
	src := "$ORIGIN example.\n@ SOA ns1 h 1 7200 1800 1209600 900\n@ NS ns1\nns1 300 A 192.0.2.1\nns2 A 192.0.2.2\n"
	z, err := diagnose.ReadZone(strings.NewReader(src), diagnose.ZoneOptions{File: "ttl.zone"})
	if err != nil || len(z.Problems) != 0 {
		t.Fatalf("%v %+v", err, z.Problems)
	}
	var got []uint32
	for _, r := range z.Records {
		got = append(got, r.RR.Header().Ttl)
	}
	if fmt.Sprint(got) != "[900 900 300 300]" {
		t.Errorf("TTLs %v", got)
	}
}
