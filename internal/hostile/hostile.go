// Package hostile builds the universes of issue 18's attack classes, in
// memory, for trace/sim: the trace tests bound the engine's cost on them,
// and the bench serves them on loopback beside dig +trace.
package hostile

import (
	"fmt"
	"regexp"
	"strings"
	"testing/fstest"
)

// Dir is the universe's directory in the file systems built here.
const Dir = "u"

const root = `. 3600 SOA a.root. h.root. 1 7200 1800 1209600 300
. 3600 NS a.root.
a.root. 3600 A 192.0.2.1
test. 3600 NS ns.test.
ns.test. 3600 A 192.0.2.2
`

// Root is the address of the universes' root server.
const Root = "192.0.2.1"

// universe builds a universe from servers.conf lines and zone files (by
// file name, without .zone), with the root and test. already in place.
func universe(conf []string, zones map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{
		Dir + "/servers.conf":    {Data: []byte("server 192.0.2.1 a.root. zones=.\nserver 192.0.2.2 ns.test. zones=test.\n" + strings.Join(conf, "\n") + "\n")},
		Dir + "/zones/root.zone": {Data: []byte(root)},
	}
	for name, data := range zones {
		fsys[Dir+"/zones/"+name+".zone"] = &fstest.MapFile{Data: []byte(data)}
	}
	return fsys
}

// A Class is one attack class: its universe and the question that meets it.
type Class struct {
	Name  string // what the bench calls it
	Qname string
	Qtype string
	FS    func() fstest.MapFS
}

// Classes are issue 18's attack classes, at the sizes its tests bound.
var Classes = []Class{
	{"wide delegation (50 NS names × 20 addresses)", "www.wide.test", "A", func() fstest.MapFS { return Wide(50, 20) }},
	{"referral forks (10 levels)", "www.l10.l9.l8.l7.l6.l5.l4.l3.l2.fork.test", "A", func() fstest.MapFS { return Forked(10) }},
	{"alias forks (12 levels)", "n0.p.test", "A", func() fstest.MapFS { return Aliased(12) }},
	{"huge replies (400 servers × 64 KiB)", "www.big.test", "TXT", Huge},
	{"crowded glueless NS (10 levels × 3,000 names)", "www.c10.c9.c8.c7.c6.c5.c4.c3.c2.crowd.test", "A", func() fstest.MapFS { return Crowded(10, 3000) }},
}

var (
	tenNet  = regexp.MustCompile(`\b10\.(\d+)\.(\d+)\.(\d+)\b`)
	testNet = regexp.MustCompile(`\b192\.0\.2\.(\d+)\b`)
)

// Loopback moves a universe to 127.0.0.0/8, where a bench can serve it
// for other tools: 10.A.B.C becomes 127.(100+A).B.C and 192.0.2.X
// 127.100.0.X, away from the lab's 127.53.0.0/16.
func Loopback(fsys fstest.MapFS) fstest.MapFS {
	out := fstest.MapFS{}
	for name, f := range fsys {
		s := tenNet.ReplaceAllStringFunc(string(f.Data), func(a string) string {
			m := tenNet.FindStringSubmatch(a)
			var x int
			fmt.Sscan(m[1], &x)
			return fmt.Sprintf("127.%d.%s.%s", 100+x, m[2], m[3])
		})
		s = testNet.ReplaceAllString(s, "127.100.0.$1")
		out[name] = &fstest.MapFile{Data: []byte(s)}
	}
	return out
}

// LoopbackRoot is Root after Loopback.
const LoopbackRoot = "127.100.0.1"

// Wide is test. delegating wide.test. to names NS names of addrs addresses
// each, every address a healthy server of the zone.
func Wide(names, addrs int) fstest.MapFS {
	var conf []string
	var glue strings.Builder
	for i := 1; i <= names; i++ {
		fmt.Fprintf(&glue, "wide.test. 3600 NS ns%02d.wide.test.\n", i)
		for j := 1; j <= addrs; j++ {
			fmt.Fprintf(&glue, "ns%02d.wide.test. 3600 A 10.1.%d.%d\n", i, i, j)
			conf = append(conf, fmt.Sprintf("server 10.1.%d.%d ns%02d.wide.test. zones=wide.test.", i, j, i))
		}
	}
	return universe(conf, map[string]string{
		"test": "test. 3600 SOA ns.test. h.test. 1 7200 1800 1209600 300\ntest. 3600 NS ns.test.\nns.test. 3600 A 192.0.2.2\n" + glue.String(),
		"wide.test": "wide.test. 3600 SOA ns01.wide.test. h.wide.test. 1 7200 1800 1209600 300\n" + glue.String() +
			"www.wide.test. 3600 A 192.0.2.80\n",
	})
}

// Forked is a chain of depth zones below fork.test. whose two servers each
// refer to the next zone with their own NS name, x or y; both names have
// the addresses of the same two servers. Every cut forks in two, and
// every branch leads to the same servers.
func Forked(depth int) fstest.MapFS {
	zone := func(k int) string {
		z := "fork.test."
		for i := 2; i <= k; i++ {
			z = fmt.Sprintf("l%d.", i) + z
		}
		return z
	}
	addrs := func(k int) [2]string { return [2]string{fmt.Sprintf("10.2.%d.1", k), fmt.Sprintf("10.2.%d.2", k)} }
	var conf []string
	zones := map[string]string{
		"test": "test. 3600 SOA ns.test. h.test. 1 7200 1800 1209600 300\ntest. 3600 NS ns.test.\nns.test. 3600 A 192.0.2.2\n" +
			"fork.test. 3600 NS x.fork.test.\nx.fork.test. 3600 A 10.2.1.1\nx.fork.test. 3600 A 10.2.1.2\n",
	}
	for k := 1; k <= depth; k++ {
		z, a := zone(k), addrs(k)
		for i, label := range []string{"x", "y"} {
			var b strings.Builder
			fmt.Fprintf(&b, "%s 3600 SOA x.%s h.%s 1 7200 1800 1209600 300\n%s 3600 NS x.%s\nx.%s 3600 A %s\nx.%s 3600 A %s\n", z, z, z, z, z, z, a[0], z, a[1])
			if label == "y" {
				fmt.Fprintf(&b, "y.%s 3600 A %s\ny.%s 3600 A %s\n", z, a[0], z, a[1])
			}
			if k < depth {
				c, ca := zone(k+1), addrs(k+1)
				fmt.Fprintf(&b, "%s 3600 NS %s.%s\n%s.%s 3600 A %s\n%s.%s 3600 A %s\n", c, label, c, label, c, ca[0], label, c, ca[1])
			} else {
				fmt.Fprintf(&b, "www.%s 3600 A 192.0.2.80\n", z)
			}
			file := fmt.Sprintf("f%d%s", k, label)
			zones[file] = b.String()
			conf = append(conf, fmt.Sprintf("server %s %s.%s zones=%s:%s", a[i], label, z, z, file))
		}
	}
	return universe(conf, zones)
}

// Aliased is two zones, p.test. and q.test., whose two servers each alias
// every name of level k to their own name of level k+1 in the other zone
// (a or b): every alias forks in two, and every branch leads to the same
// names and servers. Level depth has the addresses.
func Aliased(depth int) fstest.MapFS {
	zones := map[string]string{
		"test": "test. 3600 SOA ns.test. h.test. 1 7200 1800 1209600 300\ntest. 3600 NS ns.test.\nns.test. 3600 A 192.0.2.2\n" +
			"p.test. 3600 NS ns1.p.test.\np.test. 3600 NS ns2.p.test.\nns1.p.test. 3600 A 10.3.0.1\nns2.p.test. 3600 A 10.3.0.2\n" +
			"q.test. 3600 NS ns1.q.test.\nq.test. 3600 NS ns2.q.test.\nns1.q.test. 3600 A 10.4.0.1\nns2.q.test. 3600 A 10.4.0.2\n",
	}
	var conf []string
	for zi, z := range []string{"p.test.", "q.test."} {
		other := []string{"q.test.", "p.test."}[zi]
		for i, own := range []string{"a", "b"} {
			var b strings.Builder
			fmt.Fprintf(&b, "%s 3600 SOA ns1.%s h.%s 1 7200 1800 1209600 300\n%s 3600 NS ns1.%s\n%s 3600 NS ns2.%s\n", z, z, z, z, z, z, z)
			fmt.Fprintf(&b, "ns1.%s 3600 A 10.%d.0.1\nns2.%s 3600 A 10.%d.0.2\n", z, 3+zi, z, 3+zi)
			for k := 0; k <= depth; k++ {
				if k%2 != zi {
					continue
				}
				for _, l := range []string{"a", "b"} {
					if k == 0 && l == "b" {
						continue
					}
					name := fmt.Sprintf("n%d%s.%s", k, l, z)
					if k == 0 {
						name = "n0." + z
					}
					if k == depth {
						fmt.Fprintf(&b, "%s 3600 A 192.0.2.80\n", name)
					} else {
						fmt.Fprintf(&b, "%s 3600 CNAME n%d%s.%s\n", name, k+1, own, other)
					}
				}
			}
			file := fmt.Sprintf("%s%s", strings.TrimSuffix(z, ".test."), own)
			zones[file] = b.String()
			conf = append(conf, fmt.Sprintf("server 10.%d.0.%d ns%d.%s zones=%s:%s", 3+zi, i+1, i+1, z, z, file))
		}
	}
	return universe(conf, zones)
}

// Huge is test. delegating big.test. to 20 names of 20 addresses each
// (400 servers), every one answering www.big.test. TXT with a 64 KiB
// RRset: 235 strings of 253 bytes, 65,390 bytes uncompressed, the most
// that fits a TCP message (65,535).
func Huge() fstest.MapFS {
	var conf []string
	var glue, txt strings.Builder
	for i := 1; i <= 20; i++ {
		fmt.Fprintf(&glue, "big.test. 3600 NS ns%02d.big.test.\n", i)
		for j := 1; j <= 20; j++ {
			fmt.Fprintf(&glue, "ns%02d.big.test. 3600 A 10.5.%d.%d\n", i, i, j)
			conf = append(conf, fmt.Sprintf("server 10.5.%d.%d ns%02d.big.test. zones=big.test.", i, j, i))
		}
	}
	for i := 0; i < 235; i++ {
		fmt.Fprintf(&txt, "www.big.test. 3600 TXT \"%03d%s\"\n", i, strings.Repeat("x", 250))
	}
	return universe(conf, map[string]string{
		"test":     "test. 3600 SOA ns.test. h.test. 1 7200 1800 1209600 300\ntest. 3600 NS ns.test.\nns.test. 3600 A 192.0.2.2\n" + glue.String(),
		"big.test": "big.test. 3600 SOA ns01.big.test. h.big.test. 1 7200 1800 1209600 300\n" + glue.String() + txt.String(),
	})
}

// Crowded is a chain of depth zones below crowd.test., each delegated to
// names NS names of which only the first has glue: the rest are in the
// child zone, glueless, and the child's servers do not know them either
// (NXNSAttack's shape).
func Crowded(depth, names int) fstest.MapFS {
	zone := func(k int) string {
		z := "crowd.test."
		for i := 2; i <= k; i++ {
			z = fmt.Sprintf("c%d.", i) + z
		}
		return z
	}
	delegation := func(k int) string {
		var b strings.Builder
		z := zone(k)
		fmt.Fprintf(&b, "%s 3600 NS a.%s\na.%s 3600 A 10.6.%d.1\n", z, z, z, k)
		for i := 1; i < names; i++ {
			fmt.Fprintf(&b, "%s 3600 NS n%d.%s\n", z, i, z)
		}
		return b.String()
	}
	zones := map[string]string{
		"test": "test. 3600 SOA ns.test. h.test. 1 7200 1800 1209600 300\ntest. 3600 NS ns.test.\nns.test. 3600 A 192.0.2.2\n" + delegation(1),
	}
	var conf []string
	for k := 1; k <= depth; k++ {
		z := zone(k)
		data := fmt.Sprintf("%s 3600 SOA a.%s h.%s 1 7200 1800 1209600 300\n%s 3600 NS a.%s\na.%s 3600 A 10.6.%d.1\n", z, z, z, z, z, z, k)
		if k < depth {
			data += delegation(k + 1)
		} else {
			data += "www." + z + " 3600 A 192.0.2.80\n"
		}
		file := fmt.Sprintf("c%d", k)
		zones[file] = data
		conf = append(conf, fmt.Sprintf("server 10.6.%d.1 a.%s zones=%s:%s", k, z, z, file))
	}
	return universe(conf, zones)
}
