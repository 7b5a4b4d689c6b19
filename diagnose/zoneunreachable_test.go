package diagnose_test

import "testing"

func TestZoneUnreachable(t *testing.T) { runFixtures(t, "zone-unreachable") }
