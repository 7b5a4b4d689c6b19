package diagnose_test

import "testing"

func TestParentServersDisagree(t *testing.T) { runFixtures(t, "parent-servers-disagree") }
func TestAnswerInconsistent(t *testing.T)    { runFixtures(t, "answer-inconsistent") }
