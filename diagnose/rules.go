package diagnose

// rules is the catalogue this build implements, in the order rules run.
// Adding a finding means adding its rule file, its fixtures under
// testdata/ID/ and its entry here and in docs/findings.md (generated:
// go test ./diagnose -run TestDocs -update).
var rules = []*Rule{
	ruleParentServersDisagree, ruleAnswerInconsistent,
	ruleNotDelegated, ruleTooFewNS, ruleTooManyNS, ruleUpwardReferral,
	ruleNSNameUnresolvable, ruleNSMissingTrailingDot,
	ruleMissingGlue, ruleGlueMismatch, ruleUnnecessaryGlue,
	ruleNSIsCNAME, ruleGluelessIndirection, ruleNSSharedAddress,
	ruleServerTimeout, ruleServerUnreachable, ruleSlowServer, ruleTCPFailure,
	ruleEDNSNoncompliance, ruleZoneUnreachable,
	ruleLameDelegation, ruleServerFailure, ruleRecursiveNameserver,
	ruleNSParentChildMismatch, ruleNSSetInconsistent, ruleSOASerialMismatch,
	ruleNSTTLZero, ruleSOATimers, ruleCNAMELoop, ruleCNAMEChain,
	ruleMXToCNAME, ruleWildcardMX, ruleNameLooksLikeAddress, rulePTRMismatch,
	ruleResolverOutcomeSplit, ruleTTLNotHonoured, ruleResolverNoRecursion,
	ruleNSAddressSpecial, ruleSOAFieldsMismatch, ruleSOARNAMEInvalid, ruleReferralTooLarge,
	ruleSOAMNAME,
	ruleResolverTransportFailure, ruleResolverAnswerNotAuthoritative,
	ruleNSSamePrefix, ruleNSSingleFamily,
	// DNSSEC: the chain of trust, per server (dnssec.go validates).
	ruleDSMismatch, ruleDNSKEYNotSignedByDS, ruleRRSIGExpired, ruleRRSIGNotYetValid,
	ruleRRSIGInvalid, ruleRRSIGMissing, ruleNSECProofInvalid, ruleDSForUnsignedZone,
	ruleDNSSECInconsistent, ruleRRSIGExpiring, ruleSignedWithoutDS,
	ruleDNSSECAlgorithmDeprecated, ruleNoTrustAnchor, ruleNSEC3Parameters,
	// Server conformance: the probes of ddx check (conformance*.go).
	ruleQueryTypeFailure, ruleCaseNotPreserved,
	// Zone content only (a zone file or a transfer): they run in Lint.
	ruleZoneSyntax, ruleSOAMissing, ruleSOANotApex, ruleSingletonMultiple,
	ruleCNAMEAndOtherData, ruleOutOfZoneData, ruleOccludedData,
	ruleMissingTrailingDot, ruleRRsetTTLMismatch, ruleHostnameSyntax, ruleMXInvalid,
	// Zone transfers of ddx check (axfr.go); their content runs through Lint.
	ruleAXFROpen, ruleZoneCopiesDiffer,
}
