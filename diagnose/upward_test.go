package diagnose_test

import "testing"

func TestUpwardReferral(t *testing.T) { runFixtures(t, "upward-referral") }
