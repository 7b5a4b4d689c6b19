package diagnose_test

import "testing"

func TestTCPFailure(t *testing.T) { runFixtures(t, "tcp-failure") }
