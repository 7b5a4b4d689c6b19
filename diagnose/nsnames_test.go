package diagnose_test

import "testing"

func TestNSNameUnresolvable(t *testing.T)   { runFixtures(t, "ns-name-unresolvable") }
func TestNSMissingTrailingDot(t *testing.T) { runFixtures(t, "ns-missing-trailing-dot") }
