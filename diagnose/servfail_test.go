package diagnose_test

import "testing"

func TestServerFailure(t *testing.T) { runFixtures(t, "server-failure") }
