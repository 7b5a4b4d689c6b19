package diagnose_test

import "testing"

func TestLameDelegation(t *testing.T) { runFixtures(t, "lame-delegation") }
