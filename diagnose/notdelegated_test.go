package diagnose_test

import "testing"

func TestNotDelegated(t *testing.T) { runFixtures(t, "not-delegated") }
