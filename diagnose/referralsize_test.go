package diagnose_test

import "testing"

func TestReferralTooLarge(t *testing.T) { runFixtures(t, "referral-too-large") }
