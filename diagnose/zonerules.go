package diagnose

// zoneRules are the rules that read a zone's content (a zone file, or a
// transfer), in the order they run. Rules of the trace catalogue that
// also apply to records run here with their own check over the content.
var zoneRules = []zoneRule{
	{ruleZoneSyntax, false, lintZoneSyntax},
	{ruleSOAMissing, true, lintSOAMissing},
	{ruleSOANotApex, false, lintSOANotApex},
	{ruleSingletonMultiple, false, lintSingletonMultiple},
	{ruleCNAMEAndOtherData, false, lintCNAMEAndOtherData},
	{ruleOutOfZoneData, false, lintOutOfZoneData},
	{ruleOccludedData, true, lintOccludedData},
	{ruleMissingTrailingDot, false, lintMissingTrailingDot},
	{ruleNSMissingTrailingDot, false, lintNSMissingTrailingDot},
	{ruleRRsetTTLMismatch, false, lintRRsetTTLMismatch},
	{ruleMissingGlue, true, lintMissingGlue},
	{ruleUnnecessaryGlue, true, lintUnnecessaryGlue},
	{ruleTooFewNS, true, lintTooFewNS},
	{ruleSOATimers, false, lintSOATimers},
	{ruleMXToCNAME, false, lintMXToCNAME},
	{ruleNSIsCNAME, false, lintNSIsCNAME},
	{ruleWildcardMX, false, lintWildcardMX},
	{ruleHostnameSyntax, false, lintHostnameSyntax},
	{ruleMXInvalid, true, lintMXInvalid},
	{ruleNSNameUnresolvable, true, lintNSNameUnresolvable},
}
