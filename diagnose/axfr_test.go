package diagnose_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/internal/demotest"
	"golang.org/x/tools/txtar"
)

func TestAXFROpen(t *testing.T)         { runFixtures(t, "axfr-open") }
func TestZoneCopiesDiffer(t *testing.T) { runFixtures(t, "zone-copies-differ") }

// The content of a transfer adds what the trace could not see, once: the
// apex MX alias the trace found is not reported again from the transfer
// (nor once per server), the shop's is, naming the transfer and both
// servers that sent the copy.
func TestTransferContentNotTwice(t *testing.T) {
	t.Parallel()
	f := loadFixture(t, filepath.Join("testdata", "axfr-open", "content.txtar"))
	fsys, err := txtar.FS(f.arch)
	if err != nil {
		t.Fatal(err)
	}
	rep := diagnose.New(demotest.Trace(t, demotest.Load(t, fsys, "."), f.query, f.qtype, true))
	var mx []diagnose.Finding
	count := map[string]int{}
	for _, x := range rep.Findings {
		count[x.ID]++
		if x.ID == "mx-to-cname" {
			mx = append(mx, x)
		}
	}
	if len(mx) != 2 || count["hostname-syntax"] != 1 || count["axfr-open"] != 1 {
		t.Fatalf("findings %v, want mx-to-cname twice (apex from the trace, shop from the transfer), hostname-syntax and axfr-open once", count)
	}
	var fromTrace, fromTransfer int
	for _, x := range mx {
		switch {
		case strings.Contains(x.Explanation, "zone transfer") && strings.Contains(x.Explanation, "shop.content.test."):
			fromTransfer++
			if len(x.Servers) != 2 || len(x.Queries) != 2 {
				t.Errorf("the transfer's finding names %v (queries %v), want both servers", x.Servers, x.Queries)
			}
		case !strings.Contains(x.Explanation, "zone transfer"):
			fromTrace++
		}
	}
	if fromTrace != 1 || fromTransfer != 1 {
		t.Errorf("mx-to-cname: %d from the trace, %d from the transfer; want one each:\n%+v", fromTrace, fromTransfer, mx)
	}
}
