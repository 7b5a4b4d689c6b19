package diagnose

import (
	"fmt"
	"sort"
)

var ruleSlowServer = &Rule{
	ID: "slow-server", Severity: Notice,
	Title: "a server answers far slower than its peers",
	Doc: "A server answers, but its fastest reply took over 500 ms, or over five times the median of the zone's " +
		"servers. Resolvers learn to avoid slow servers, but every first lookup that picks it is slow, and near " +
		"their timeouts it is treated as dead. A reply that came after ddx stopped waiting counts here: slow is not dead.",
	Fix:  "Check the server's load and network path, or move it closer to its users; anycast helps.",
	Refs: []string{"RFC 4697 §2.6"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			rtts := map[string]float64{}
			for _, s := range v.servers {
				best := -1.0
				for _, q := range s.Queries {
					if q.OK() && q.Transport == "udp" && (best < 0 || q.RTTms < best) {
						best = q.RTTms
					}
				}
				if best >= 0 {
					rtts[s.Label()] = best
				}
			}
			for _, s := range v.servers {
				r, ok := rtts[s.Label()]
				if !ok {
					continue
				}
				// Against the others: with two servers, the median of all
				// would be the slow one itself.
				var others []float64
				for label, o := range rtts {
					if label != s.Label() {
						others = append(others, o)
					}
				}
				peers := "no other server of " + v.zone + " answered"
				slow := r > 500
				if len(others) > 0 {
					m := lowerMedian(others)
					peers = fmt.Sprintf("against %.0f ms for the other servers of %s (median)", m, v.zone)
					slow = slow || (r > 5*m && r > 100)
				}
				if !slow {
					continue
				}
				p.Report(Finding{
					Zone: v.zone, Servers: []string{s.Label()},
					Summary:     fmt.Sprintf("%s takes %.0f ms to answer", s.Label(), r),
					Explanation: fmt.Sprintf("Its fastest reply took %.0f ms, %s. Resolvers learn to avoid slow servers, but every first lookup that picks it is slow, and near their timeouts it is treated as dead.", r, peers),
				})
			}
		}
	},
}

func lowerMedian(xs []float64) float64 {
	sort.Float64s(xs)
	return xs[(len(xs)-1)/2]
}
