package diagnose_test

import "testing"

func TestServerTimeout(t *testing.T)     { runFixtures(t, "server-timeout") }
func TestServerUnreachable(t *testing.T) { runFixtures(t, "server-unreachable") }
