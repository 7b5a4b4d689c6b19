package diagnose_test

import "testing"

func TestTooFewNS(t *testing.T)  { runFixtures(t, "too-few-ns") }
func TestTooManyNS(t *testing.T) { runFixtures(t, "too-many-ns") }
