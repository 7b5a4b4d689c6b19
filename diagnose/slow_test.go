package diagnose_test

import "testing"

func TestSlowServer(t *testing.T) { runFixtures(t, "slow-server") }
