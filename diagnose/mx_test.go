package diagnose_test

import "testing"

func TestMXToCNAME(t *testing.T)  { runFixtures(t, "mx-to-cname") }
func TestWildcardMX(t *testing.T) { runFixtures(t, "wildcard-mx") }
