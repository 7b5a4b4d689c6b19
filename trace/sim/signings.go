package sim

import "time"

// Signings are the universe's dnssec lines, in file order: the lab signs
// the same zones the same ways with BIND's tools.
func (u *Universe) Signings() []Signing {
	out := make([]Signing, 0, len(u.signings))
	for _, sg := range u.signings {
		out = append(out, *sg)
	}
	return out
}

// Window is the validity of the zone's signatures around now, as sigs=
// sets it.
func (sg *Signing) Window(now time.Time) (inception, expiration time.Time) {
	return sg.window(now)
}

// Stale reports whether the server serves zone with signatures that
// expired (stale=).
func (s *Server) Stale(zone string) bool { return s.stale[zone] }
