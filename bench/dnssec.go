package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/ddxdns/ddx"
	"github.com/ddxdns/ddx/lab"
)

// dnssecRows measures what validation costs on the lab (issue 15: a
// healthy signed name at most 1.2x the same name unsigned, at or below
// dig +trace +dnssec): ddx trace of www.secure.test validated from the lab
// root's trust anchor, the same trace with --no-dnssec, and dig +trace
// +dnssec, which fetches the signatures but validates nothing.
func dnssecRows(bin, dir string, runs int, peak *int64) error {
	l, err := lab.Start(context.Background(), ddx.Universe, ddx.UniverseDir, dir, func(string, ...any) {})
	if err != nil {
		return err
	}
	defer l.Stop()
	if l.TrustAnchor == "" {
		return fmt.Errorf("the lab root is not signed")
	}
	const name = "www.secure.test"
	rc := filepath.Join(dir, "resolv.conf")
	if err := os.WriteFile(rc, []byte("nameserver "+lab.BindAddr.String()+"\n"), 0o644); err != nil {
		return err
	}
	validated := []string{bin, "trace", "--root-hints", l.Hints, "--trust-anchor", l.TrustAnchor, "-4", "-o", "json", name}
	plain := []string{bin, "trace", "--root-hints", l.Hints, "--no-dnssec", "-4", "-o", "json", name}
	dig := []string{"unshare", "-m", "sh", "-c", fmt.Sprintf("mount --bind %s /etc/resolv.conf && exec dig +trace +dnssec @%s %s A",
		rc, l.Public("198.51.100.1"), name)}
	// What is measured must be a secure verdict, not a quick failure.
	out, _ := exec.Command(validated[0], validated[1:]...).Output()
	var doc struct{ Security string }
	if err := json.Unmarshal(out, &doc); err != nil || doc.Security != "secure" {
		return fmt.Errorf("ddx trace %s on the lab: security %q, want secure (%v)", name, doc.Security, err)
	}
	fmt.Printf("DNSSEC on the lab (zones signed at start by dnssec-signzone, Ed25519): %s, %d runs each, alternating.\n\n", name, runs)
	fmt.Println("| name | ddx, validated | ddx --no-dnssec | dig +trace +dnssec | validated/unvalidated | validated/dig | peak RSS, validated |")
	fmt.Println("|---|---|---|---|---|---|---|")
	res := measure([]tool{{"ddx", validated}, {"plain", plain}, {"dig", dig}}, runs)
	d, p, g := median(res["ddx"]), median(res["plain"]), median(res["dig"])
	rss := maxRSS(res["ddx"])
	*peak = max(*peak, rss)
	fmt.Printf("| %s | %s | %s | %s | %.2fx | %.2fx | %.1f MiB |\n", name, spread(res["ddx"]), spread(res["plain"]), spread(res["dig"]),
		ratio(d, p), ratio(d, g), float64(rss)/1024)
	return nil
}
