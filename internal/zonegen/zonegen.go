// Package zonegen writes a large, healthy, deterministic zone file, for
// measuring ddx lint (the bench, and diagnose's benchmarks).
package zonegen

import (
	"fmt"
	"io"
)

// Write writes a healthy zone, million.example., of at least records
// records (and at most 9 more), the same every time: hosts with A, AAAA,
// MX, TXT, a www alias and an SRV record each, and every tenth host a
// delegation to two in-child name servers with glue. It returns the
// number of records.
func Write(w io.Writer, records int) int {
	fmt.Fprint(w, `$ORIGIN million.example.
$TTL 3600
@	IN	SOA	ns1 hostmaster 2026113001 7200 1800 1209600 300
	IN	NS	ns1
	IN	NS	ns2
ns1	IN	A	192.0.2.1
ns2	IN	A	203.0.113.1
`)
	n := 5
	for i := 0; n < records; i++ {
		a, b := byte(i>>8), byte(i)
		fmt.Fprintf(w, "h%d\tIN\tA\t10.%d.%d.1\n", i, a, b)
		fmt.Fprintf(w, "h%d\tIN\tAAAA\t2001:db8:%x:%x::1\n", i, i>>16, i&0xffff)
		fmt.Fprintf(w, "h%d\tIN\tMX\t10 h%d\n", i, i)
		fmt.Fprintf(w, "h%d\tIN\tTXT\t\"v=spf1 ip4:10.%d.%d.1 -all\"\n", i, a, b)
		fmt.Fprintf(w, "www.h%d\tIN\tCNAME\th%d\n", i, i)
		fmt.Fprintf(w, "_http._tcp.h%d\tIN\tSRV\t0 5 80 h%d\n", i, i)
		n += 6
		if i%10 == 0 {
			fmt.Fprintf(w, "d%d\tIN\tNS\tns1.d%d\nd%d\tIN\tNS\tns2.d%d\n", i, i, i, i)
			fmt.Fprintf(w, "ns1.d%d\tIN\tA\t192.0.2.%d\nns2.d%d\tIN\tA\t203.0.113.%d\n", i, 1+i%250, i, 1+i%250)
			n += 4
		}
	}
	return n
}
