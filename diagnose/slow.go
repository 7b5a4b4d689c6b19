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
			var all []float64
			for _, s := range v.servers {
				best := -1.0
				for _, q := range s.Queries {
					if q.OK() && q.Transport == "udp" && (best < 0 || q.RTTms < best) {
						best = q.RTTms
					}
				}
				if best >= 0 {
					rtts[s.Label()] = best
					all = append(all, best)
				}
			}
			if len(all) == 0 {
				continue
			}
			sort.Float64s(all)
			median := all[len(all)/2]
			for _, s := range v.servers {
				r, ok := rtts[s.Label()]
				if !ok || !(r > 500 || (len(all) > 1 && r > 5*median && r > 100)) {
					continue
				}
				p.Report(Finding{
					Zone: v.zone, Servers: []string{s.Label()},
					Summary:     fmt.Sprintf("%s takes %.0f ms to answer", s.Label(), r),
					Explanation: fmt.Sprintf("Its fastest reply took %.0f ms, against a median of %.0f ms for the servers of %s. Resolvers learn to avoid slow servers, but every first lookup that picks it is slow, and near their timeouts it is treated as dead.", r, median, v.zone),
				})
			}
		}
	},
}
