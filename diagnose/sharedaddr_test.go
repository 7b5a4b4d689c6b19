package diagnose_test

import "testing"

func TestNSSharedAddress(t *testing.T) { runFixtures(t, "ns-shared-address") }
