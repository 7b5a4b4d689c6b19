package diagnose_test

import "testing"

func TestSOATimers(t *testing.T) { runFixtures(t, "soa-timers") }
