package diagnose_test

import "testing"

func TestCNAMELoop(t *testing.T)  { runFixtures(t, "cname-loop") }
func TestCNAMEChain(t *testing.T) { runFixtures(t, "cname-chain") }
