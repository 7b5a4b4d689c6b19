package lab

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// transfersIn returns, per server label, the zone transfer ddx asked of
// a server of zone in a check's JSON.
func transfersIn(doc map[string]any, zone string) map[string]map[string]any {
	out := map[string]map[string]any{}
	steps, _ := doc["steps"].([]any)
	for _, st := range steps {
		st := st.(map[string]any)
		if st["zone"] != zone {
			continue
		}
		servers, _ := st["servers"].([]any)
		for _, s := range servers {
			s := s.(map[string]any)
			qs, _ := s["queries"].([]any)
			for _, q := range qs {
				if q := q.(map[string]any); q["purpose"] == "axfr" {
					out[fmt.Sprint(s["name"], " ", s["address"])] = q
				}
			}
		}
	}
	return out
}

// TestLabZoneTransfers: ddx check asks every server of the checked zone
// for an AXFR. On real servers: a BIND zone open to anyone (axfr.test's
// ns1) gives axfr-open and the content findings only the whole zone
// shows; two BIND servers whose copies differ at one serial give
// zone-copies-differ; the healthy zones, on BIND with allow-transfer
// { none; } and on NSD without provide-xfr, refuse, and nothing is
// reported. dig, the reference client, gets the same transfer.
func TestLabZoneTransfers(t *testing.T) {
	needLab(t)
	cases := []struct {
		zone   string
		severe string   // exactly these at warning and above
		open   []string // the servers that transfer; the others refuse
		engine string
	}{
		{"axfr.test", "axfr-open@axfr.test. hostname-syntax@axfr.test. missing-glue@axfr.test. missing-trailing-dot@axfr.test. mx-to-cname@axfr.test.",
			[]string{"ns1.axfr.test."}, "bind"},
		{"copies.test", "axfr-open@copies.test. zone-copies-differ@copies.test.", []string{"ns1.copies.test.", "ns2.copies.test."}, "bind"},
		{"healthy.test", "", nil, "bind"},
		{"provider.test", "", nil, "nsd"},
	}
	for _, c := range cases {
		t.Run(c.zone, func(t *testing.T) {
			t.Parallel()
			_, doc := ddxJSON(t, "check", c.zone)
			if got, want := severe(doc), strings.Fields(c.severe); !sameSet(got, want) {
				t.Errorf("findings at warning and above:\n got  %v\n want %v", got, want)
			}
			xs := transfersIn(doc, c.zone+".")
			if len(xs) < 2 {
				t.Fatalf("%d transfers asked of %s's servers, want one per server: %v", len(xs), c.zone, xs)
			}
			for label, q := range xs {
				name, addr, _ := strings.Cut(label, " ")
				if s := server(t, name); s.Engine != c.engine {
					t.Errorf("%s runs on %s, want %s", name, s.Engine, c.engine)
				}
				x, _ := q["transfer"].(map[string]any)
				open := has(c.open, name)
				switch {
				case open && x["status"] != "complete":
					t.Errorf("%s: transfer %v (%v), want complete", label, x, q["error"])
				case !open && (x["status"] != "refused" || q["rcode"] != "REFUSED"):
					t.Errorf("%s: transfer %v, rcode %v; want REFUSED", label, x, q["rcode"])
				case !open && q["rtt_ms"].(float64) > 1000:
					t.Errorf("%s: the refusal took %v ms", label, q["rtt_ms"])
				}
				if !open {
					continue
				}
				// dig's transfer ends with the closing SOA, which ddx does not keep.
				out, err := exec.Command("dig", "@"+addr, "axfr", c.zone, "+noall", "+answer", "+nocookie").Output()
				if err != nil {
					t.Fatalf("dig axfr: %v", err)
				}
				lines := 0
				for _, l := range strings.Split(string(out), "\n") {
					if strings.TrimSpace(l) != "" && !strings.HasPrefix(l, ";") {
						lines++
					}
				}
				if recs := int(x["records"].(float64)); recs+1 != lines {
					t.Errorf("%s: ddx kept %d records, dig got %d with the closing SOA:\n%s", label, recs, lines, out)
				}
			}
		})
	}
}
