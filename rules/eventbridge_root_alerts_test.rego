package rootwarden.rules.eventbridge_root_alerts_test

import rego.v1

import data.rootwarden.lib.monitoring_fixtures as fx
import data.rootwarden.rules.eventbridge_root_alerts as rule

# The rule's verdict sets for an input and requirements. (`with ... as` only ever takes local
# variables: regorus 0.14 loses rule values computed while evaluating a `with` target.)
denies(inp, req) := d if {
	d := rule.deny with input as inp with data.requirements as req
}

insufficient(inp, req) := r if {
	r := rule.insufficient_data with input as inp with data.requirements as req
}

not_applicable(inp, req) := r if {
	r := rule.not_applicable with input as inp with data.requirements as req
}

outcome(inp, req) := "fail" if {
	count(denies(inp, req)) > 0
} else := "insufficient_data" if {
	count(insufficient(inp, req)) > 0
} else := "not_applicable" if {
	count(not_applicable(inp, req)) > 0
} else := "pass"

only_deny(inp, req) := d if {
	ds := denies(inp, req)
	count(ds) == 1
	some d in ds
}

rule_arn := "arn:aws:events:us-east-1:555566667777:rule/root-activity"

# The standalone account with the given EventBridge rules in us-east-1 (its CIS chain intact).
with_rules(rules) := fx.input_for(fx.us({"events": {"rules": rules}}), {})

allowed := fx.eventbridge_requirements

test_not_applicable_when_eventbridge_is_not_accepted if {
	inp := with_rules([fx.good_event_rule])
	outcome(inp, fx.requirements) == "not_applicable"
	some r in not_applicable(inp, fx.requirements)
	contains(r.message, "allow_eventbridge is false")
}

test_not_applicable_when_not_accepted_even_if_broken if {
	outcome(with_rules([fx.event_rule(fx.sa, fx.root_pattern, "DISABLED", [])]), fx.requirements) == "not_applicable"
}

test_not_applicable_without_root_rules if {
	outcome(fx.standalone_input, allowed) == "not_applicable"
	some r in not_applicable(fx.standalone_input, allowed)
	r.message == "No EventBridge rule concerns root activity; the metric filter path (RW-MON-003 to RW-MON-005) applies."
}

test_not_applicable_rule_on_other_identities if {
	pattern := {"detail": {"userIdentity": {"type": ["IAMUser"]}}}
	outcome(with_rules([fx.event_rule(fx.sa, pattern, "ENABLED", fx.sns_target(fx.sa))]), allowed) == "not_applicable"
}

test_pass_complete_path if outcome(fx.input_for(fx.eventbridge_only(fx.good_event_rule), {}), allowed) == "pass"

test_pass_alongside_the_metric_chain if outcome(with_rules([fx.good_event_rule]), allowed) == "pass"

test_pass_all_management_events_state if {
	r := fx.event_rule(fx.sa, fx.root_pattern, "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS", fx.sns_target(fx.sa))
	outcome(with_rules([r]), allowed) == "pass"
}

test_pass_without_detail_type if {
	r := fx.event_rule(fx.sa, {"detail": {"userIdentity": {"type": ["Root"]}}}, "ENABLED", fx.sns_target(fx.sa))
	outcome(with_rules([r]), allowed) == "pass"
}

test_pass_api_calls_only_when_only_api_calls_are_required if {
	r := fx.event_rule(fx.sa, object.union(fx.root_pattern, {"detail-type": ["AWS API Call via CloudTrail"]}), "ENABLED", fx.sns_target(fx.sa))
	req := fx.requirements_with({"alerting": {"allow_eventbridge": true, "required_events": ["api_call", "access_key_use"]}})
	outcome(with_rules([r]), req) == "pass"
}

test_pass_when_one_root_rule_is_complete if {
	off := object.union(fx.event_rule(fx.sa, fx.root_pattern, "DISABLED", fx.sns_target(fx.sa)), {
		"name": "old",
		"arn": "arn:aws:events:us-east-1:555566667777:rule/old",
	})
	outcome(with_rules([off, fx.good_event_rule]), allowed) == "pass"
}

test_fail_disabled if {
	d := only_deny(with_rules([fx.event_rule(fx.sa, fx.root_pattern, "DISABLED", fx.sns_target(fx.sa))]), allowed)
	d.resource == rule_arn
	d.region == "us-east-1"
	d.message == "EventBridge rule root-activity on root activity is not a complete alert path: it is DISABLED."
}

test_fail_misses_console_sign_in if {
	pattern := object.union(fx.root_pattern, {"detail-type": ["AWS API Call via CloudTrail"]})
	d := only_deny(with_rules([fx.event_rule(fx.sa, pattern, "ENABLED", fx.sns_target(fx.sa))]), allowed)
	d.evidence.missed_events == ["root-console-sign-in-success", "root-console-sign-in-failure"]
	endswith(d.message, "its pattern does not match root-console-sign-in-success, root-console-sign-in-failure.")
}

test_fail_misses_api_calls if {
	pattern := object.union(fx.root_pattern, {"detail-type": ["AWS Console Sign In via CloudTrail"]})
	d := only_deny(with_rules([fx.event_rule(fx.sa, pattern, "ENABLED", fx.sns_target(fx.sa))]), allowed)
	d.evidence.missed_events == ["root-api-call-access-key", "root-console-action", "root-assume-root-session"]
}

test_fail_lower_case_root_matches_no_root_event if {
	pattern := json.marshal({"detail": {"userIdentity": {"type": ["root"]}}})
	rules := [{"name": "r", "arn": rule_arn, "state": "ENABLED", "event_pattern": pattern, "targets": fx.sns_target(fx.sa)}]
	outcome(with_rules(rules), allowed) == "fail"
}

test_fail_invalid_pattern_names_the_error if {
	rules := [{"name": "r", "arn": rule_arn, "state": "ENABLED", "event_pattern": `{"detail": {"userIdentity": {"type": "Root"}}}`, "targets": fx.sns_target(fx.sa)}]
	d := only_deny(with_rules(rules), allowed)
	contains(d.message, "its event pattern is not valid (event pattern is not valid at detail.userIdentity.type")
	contains(d.evidence.pattern_error, "inside a list")
}

test_pass_reordered_and_prefix_pattern if {
	pattern := json.marshal({"detail": {"userIdentity": {"type": [{"prefix": "Roo"}]}}, "source": [{"prefix": "aws."}]})
	rules := [{"name": "r", "arn": rule_arn, "state": "ENABLED", "event_pattern": pattern, "targets": fx.sns_target(fx.sa)}]
	outcome(with_rules(rules), allowed) == "pass"
}

test_fail_no_sns_target if {
	lambda := [{"id": "fn", "arn": "arn:aws:lambda:us-east-1:555566667777:function:notify"}]
	d := only_deny(with_rules([fx.event_rule(fx.sa, fx.root_pattern, "ENABLED", lambda)]), allowed)
	endswith(d.message, "it has no SNS topic target.")
}

test_fail_topic_with_only_pending_subscriptions if {
	acct := fx.change(fx.eventbridge_only(fx.good_event_rule), {"us-east-1": {"sns": {"topics": [{
		"topic_arn": fx.topic_arn(fx.sa),
		"subscriptions": [fx.pending_subscription("security@example.com")],
	}]}}})
	d := only_deny(fx.input_for(acct, {}), allowed)
	endswith(d.message, "SNS topic root-activity-alerts in us-east-1 reaches no person: its only subscriptions are pending confirmation.")
	d.evidence.sns_targets[0].state == "fail"
}

test_fail_endpoint_not_accepted if {
	req := fx.requirements_with({"alerting": {"allow_eventbridge": true, "accepted_endpoints": ["*@corp.example.org"]}})
	outcome(fx.input_for(fx.eventbridge_only(fx.good_event_rule), {}), req) == "fail"
}

test_fail_lists_every_fault if {
	pattern := object.union(fx.root_pattern, {"detail-type": ["AWS API Call via CloudTrail"]})
	d := only_deny(with_rules([fx.event_rule(fx.sa, pattern, "DISABLED", [])]), allowed)
	count(d.evidence.faults) == 3
}

test_insufficient_targets_unread if {
	inp := with_rules([fx.event_rule(fx.sa, fx.root_pattern, "ENABLED", null)])
	outcome(inp, allowed) == "insufficient_data"
	some r in insufficient(inp, allowed)
	contains(r.message, "EventBridge rule root-activity in us-east-1: its targets could not be read")
}

test_insufficient_topic_subscriptions_unread if {
	acct := fx.change(fx.eventbridge_only(fx.good_event_rule), {"us-east-1": {"sns": {"topics": [{
		"topic_arn": fx.topic_arn(fx.sa),
		"subscriptions": null,
	}]}}})
	outcome(fx.input_for(acct, {}), allowed) == "insufficient_data"
}

test_fail_not_insufficient_when_disabled_and_targets_unread if {
	outcome(with_rules([fx.event_rule(fx.sa, fx.root_pattern, "DISABLED", null)]), allowed) == "fail"
}

test_pass_member_rule_notifies_a_topic_of_the_management_account if {
	r := fx.event_rule(fx.member, fx.root_pattern, "ENABLED", fx.sns_target(fx.mgmt))
	inp := object.union(fx.member_input({}), {"account": fx.change(fx.member_account, {"us-east-1": {"events": {"rules": [r]}}})})
	outcome(inp, allowed) == "pass"
}

test_insufficient_member_rule_notifies_a_topic_outside_the_snapshot if {
	r := fx.event_rule(fx.member, fx.root_pattern, "ENABLED", fx.sns_target(fx.mgmt))
	inp := fx.input_for(fx.change(fx.member_account, {"us-east-1": {"events": {"rules": [r]}}}), {})
	outcome(inp, allowed) == "insufficient_data"
}
