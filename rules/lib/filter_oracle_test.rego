# --verify-filters: AWS (logs:TestMetricFilter) as the oracle for rootwarden's filter engine. A
# metric filter is judged only where AWS's recorded answer agrees with the engine on the events a
# control is about; a disagreement, or no answer, is insufficient data naming the event.
package rootwarden.lib.filter_oracle_test

import rego.v1

import data.rootwarden.lib.monitoring_fixtures as fx
import data.rootwarden.rules.root_activity_alarm as alarm_rule
import data.rootwarden.rules.root_detection_noise as noise_rule
import data.rootwarden.rules.root_metric_filter as filter_rule

# What an oracle that agrees with rootwarden's engine answers for `pattern`.
agreeing(pattern) := {e.id: rootwarden.filter_matches(pattern, e.record) | some e in data.canonical_events}

tested(events) := {"status": "tested", "events": events}

# The standalone account whose root filter has `pattern` and AWS's answer `test`.
filtered(pattern, test) := fx.input_for(
	fx.us({"logs": {"metric_filters": [object.union(
		fx.root_filter("aws-cloudtrail-logs"),
		{"filter_pattern": pattern, "aws_test": test},
	)]}}),
	{},
)

# Every monitoring rule's verdict entries for an input.
results := {
	"filter": {"deny": filter_rule.deny, "id": filter_rule.insufficient_data},
	"alarm": {"deny": alarm_rule.deny, "id": alarm_rule.insufficient_data},
	"noise": {"deny": noise_rule.deny, "id": noise_rule.insufficient_data},
}

outcome(r) := "fail" if {
	count(r.deny) > 0
} else := "insufficient_data" if {
	count(r.id) > 0
} else := "pass"

message(r) := m if {
	some e in r.id
	m := e.message
}

test_agreement_passes if {
	inp := filtered(fx.cis_pattern, tested(agreeing(fx.cis_pattern)))
	r := results with input as inp with data.requirements as fx.requirements
	outcome(r.filter) == "pass"
	outcome(r.alarm) == "pass"
	outcome(r.noise) == "pass"
}

test_not_run_judges_with_the_engine_alone if {
	inp := filtered(fx.cis_pattern, {"status": "not_run"})
	r := results with input as inp with data.requirements as fx.requirements
	outcome(r.filter) == "pass"
}

test_aws_not_counting_a_required_event_is_insufficient_data_naming_it if {
	answers := object.union(agreeing(fx.cis_pattern), {"root-console-sign-in-failure": false})
	inp := filtered(fx.cis_pattern, tested(answers))
	r := results with input as inp with data.requirements as fx.requirements
	outcome(r.filter) == "insufficient_data"
	m := message(r.filter)
	contains(m, "metric filter RootAccountUsage on log group aws-cloudtrail-logs in us-east-1")
	contains(m, "rootwarden's filter engine disagrees with AWS (logs:TestMetricFilter) on root-console-sign-in-failure (rootwarden counts it, AWS does not)")
	# The chain behind it cannot be judged either: no pass on rootwarden's word alone.
	outcome(r.alarm) == "insufficient_data"
}

test_aws_counting_what_the_engine_misses_is_insufficient_data if {
	# A value case typo: rootwarden's engine counts nothing; suppose AWS said it counts it all.
	pattern := `{ $.userIdentity.type = "root" }`
	answers := object.union(agreeing(pattern), {"root-api-call-access-key": true})
	inp := filtered(pattern, tested(answers))
	r := results with input as inp with data.requirements as fx.requirements
	outcome(r.filter) == "insufficient_data"
	contains(message(r.filter), "root-api-call-access-key (AWS counts it, rootwarden does not)")
}

test_agreement_on_a_broken_filter_fails if {
	pattern := `{ $.userIdentity.type = "root" }`
	inp := filtered(pattern, tested(agreeing(pattern)))
	r := results with input as inp with data.requirements as fx.requirements
	outcome(r.filter) == "fail"
}

test_aws_that_could_not_answer_is_insufficient_data if {
	test := {"status": "failed", "error_code": "ThrottlingException", "message": "Rate exceeded"}
	inp := filtered(fx.cis_pattern, test)
	r := results with input as inp with data.requirements as fx.requirements
	outcome(r.filter) == "insufficient_data"
	contains(message(r.filter), "AWS could not test its pattern (logs:TestMetricFilter: ThrottlingException: Rate exceeded)")
}

test_an_event_aws_was_not_asked_about_is_insufficient_data if {
	answers := object.remove(agreeing(fx.cis_pattern), {"root-console-action"})
	inp := filtered(fx.cis_pattern, tested(answers))
	r := results with input as inp with data.requirements as fx.requirements
	outcome(r.filter) == "insufficient_data"
	contains(message(r.filter), "root-console-action (AWS was not asked about it)")
}

test_null_answer_is_not_an_answer if {
	inp := filtered(fx.cis_pattern, null)
	r := results with input as inp with data.requirements as fx.requirements
	outcome(r.filter) == "insufficient_data"
	contains(message(r.filter), "AWS's answer for its pattern was not recorded")
}

test_a_tested_answer_without_events_is_not_an_answer if {
	inp := filtered(fx.cis_pattern, {"status": "tested", "events": null})
	r := results with input as inp with data.requirements as fx.requirements
	outcome(r.filter) == "insufficient_data"
	contains(message(r.filter), "AWS's answer for its pattern was not recorded")
}

test_disagreement_on_noise_only_leaves_the_detection_judged if {
	answers := object.union(agreeing(fx.cis_pattern), {"root-aws-service-event": true})
	inp := filtered(fx.cis_pattern, tested(answers))
	r := results with input as inp with data.requirements as fx.requirements
	outcome(r.filter) == "pass"
	outcome(r.noise) == "insufficient_data"
	contains(message(r.noise), "root-aws-service-event (AWS counts it, rootwarden does not)")
}

test_noise_both_see_is_a_finding if {
	pattern := `{ $.userIdentity.type = "Root" }`
	inp := filtered(pattern, tested(agreeing(pattern)))
	r := results with input as inp with data.requirements as fx.requirements
	outcome(r.filter) == "pass"
	outcome(r.noise) == "fail"
}

test_a_confirmed_filter_beside_an_undecided_one_passes if {
	undecided := object.union(fx.root_filter("aws-cloudtrail-logs"), {
		"filter_name": "RootActivityOld",
		"aws_test": {"status": "failed", "error_code": "ThrottlingException", "message": "Rate exceeded"},
	})
	confirmed := object.union(fx.root_filter("aws-cloudtrail-logs"), {"aws_test": tested(agreeing(fx.cis_pattern))})
	inp := fx.input_for(fx.us({"logs": {"metric_filters": [undecided, confirmed]}}), {})
	r := results with input as inp with data.requirements as fx.requirements
	outcome(r.filter) == "pass"
	outcome(r.alarm) == "pass"
}
