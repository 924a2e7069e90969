package rootwarden.rules.root_detection_noise_test

import rego.v1

import data.rootwarden.lib.monitoring_fixtures as fx
import data.rootwarden.rules.root_detection_noise as rule

denies(inp, req) := d if {
	d := rule.deny with input as inp with data.requirements as req
}

with_filter(pattern) := fx.input_for(
	fx.us({"logs": {"metric_filters": [object.union(fx.root_filter("aws-cloudtrail-logs"), {"filter_pattern": pattern})]}}),
	{},
)

test_pass_cis_filter if count(denies(fx.standalone_input, fx.requirements)) == 0

test_fail_filter_without_invoked_by_exclusion if {
	ds := denies(with_filter(`{ $.userIdentity.type = "Root" && $.eventType != "AwsServiceEvent" }`), fx.requirements)
	count(ds) == 1
	some d in ds
	d.evidence.noise_events == ["root-call-invoked-by-service"]
	d.resource == "arn:aws:logs:us-east-1:555566667777:log-group:aws-cloudtrail-logs"
	startswith(d.message, "Root metric filter RootAccountUsage on log group aws-cloudtrail-logs in us-east-1 also counts")
}

test_fail_filter_weakened_with_or_counts_other_principals if {
	p := `{ $.userIdentity.type = "Root" || $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }`
	some d in denies(with_filter(p), fx.requirements)
	"iam-user-api-call" in d.evidence.noise_events
	"assumed-role-api-call" in d.evidence.noise_events
}

test_pass_filter_that_is_not_a_root_detection_is_left_to_rw_mon_003 if {
	count(denies(with_filter(`{ $.eventName = "ConsoleLogin" }`), fx.requirements)) == 0
}

test_fail_eventbridge_rule_without_invoked_by_exclusion if {
	ds := denies(fx.input_for(fx.eventbridge_only(fx.good_event_rule), {}), fx.eventbridge_requirements)
	some d in ds
	d.evidence.noise_events == ["root-call-invoked-by-service"]
	contains(d.message, "EventBridge rule root-activity also delivers")
}

test_pass_eventbridge_rule_excluding_services if {
	pattern := {
		"detail-type": ["AWS API Call via CloudTrail", "AWS Console Sign In via CloudTrail"],
		"detail": {"userIdentity": {"type": ["Root"], "invokedBy": [{"exists": false}]}},
	}
	r := fx.event_rule(fx.sa, pattern, fx.all_events, fx.sns_target(fx.sa))
	eu := fx.event_rule_in(fx.sa, "eu-west-1", pattern, fx.all_events, fx.sns_target_in(fx.sa, "eu-west-1"))
	acct := fx.change(fx.eventbridge_only(r), {"eu-west-1": fx.eu_rule_region(eu)})
	count(denies(fx.input_for(acct, {}), fx.eventbridge_requirements)) == 0
}

test_not_applicable_without_any_root_detection if {
	inp := fx.input_for(fx.us({"logs": {"metric_filters": []}}), {})
	count(denies(inp, fx.requirements)) == 0
	req := fx.requirements
	na := rule.not_applicable with input as inp with data.requirements as req
	count(na) == 1
}

test_insufficient_when_the_log_group_cannot_be_read if {
	inp := fx.input_for(fx.us({"logs": null}), {})
	req := fx.requirements
	r := rule.insufficient_data with input as inp with data.requirements as req
	count(r) == 1
}

test_insufficient_when_eventbridge_rules_cannot_be_read if {
	inp := fx.input_for(fx.us({"events": null}), {})
	req := fx.requirements
	count(denies(inp, req)) == 0
	r := rule.insufficient_data with input as inp with data.requirements as req
	some x in r
	contains(x.message, "EventBridge rules in us-east-1 were not collected")
}
