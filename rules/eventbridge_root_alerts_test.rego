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

us_bus := "arn:aws:events:us-east-1:555566667777:event-bus/default"

eu_bus := "arn:aws:events:eu-west-1:555566667777:event-bus/default"

# The standalone account (its CIS chain intact) with the given EventBridge rules in us-east-1 and
# a complete root rule in eu-west-1.
with_rules(rules) := fx.input_for(fx.change(fx.us({"events": {"rules": rules}}), {"eu-west-1": fx.eu_rule_region(fx.good_event_rule_in("eu-west-1"))}), {})

# The same, with the us-east-1 topic changed.
with_topic(changes) := fx.input_for(fx.change(fx.us({
	"events": {"rules": [fx.good_event_rule]},
	"sns": {"topics": [object.union(fx.topic(fx.sa), changes)]},
}), {"eu-west-1": fx.eu_rule_region(fx.good_event_rule_in("eu-west-1"))}), {})

allowed := fx.eventbridge_requirements

regional := ["root-api-call-access-key", "root-api-call-write-access-key", "root-console-read-only-action"]

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
	inp := fx.input_for(fx.us({"events": {"rules": [fx.event_rule(fx.sa, pattern, fx.all_events, fx.sns_target(fx.sa))]}}), {})
	outcome(inp, allowed) == "not_applicable"
}

test_pass_complete_path if outcome(fx.input_for(fx.eventbridge_only(fx.good_event_rule), {}), allowed) == "pass"

test_pass_alongside_the_metric_chain if outcome(with_rules([fx.good_event_rule]), allowed) == "pass"

test_pass_without_detail_type if {
	r := fx.event_rule(fx.sa, {"detail": {"userIdentity": {"type": ["Root"]}}}, fx.all_events, fx.sns_target(fx.sa))
	outcome(with_rules([r]), allowed) == "pass"
}

test_pass_when_one_root_rule_is_complete if {
	off := object.union(fx.event_rule(fx.sa, fx.root_pattern, "DISABLED", fx.sns_target(fx.sa)), {
		"name": "old",
		"arn": "arn:aws:events:us-east-1:555566667777:rule/old",
	})
	outcome(with_rules([off, fx.good_event_rule]), allowed) == "pass"
}

# --- rule state ------------------------------------------------------------------------------------

# In state ENABLED a rule does not receive read-only management events: a root key that only
# lists buckets, or root reading in the console, would never alert.
test_fail_enabled_state_misses_read_only_root_calls if {
	d := only_deny(with_rules([fx.event_rule(fx.sa, fx.root_pattern, "ENABLED", fx.sns_target(fx.sa))]), allowed)
	d.resource == us_bus
	d.region == "us-east-1"
	d.evidence.missing_events == ["root-api-call-access-key", "root-console-read-only-action"]
	d.message == "In us-east-1 no enabled EventBridge rule delivers root-api-call-access-key, root-console-read-only-action to a person: rule root-activity: in state ENABLED it does not receive read-only management events (root-api-call-access-key, root-console-read-only-action); only ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS does."
}

test_pass_enabled_state_when_only_sign_ins_are_required if {
	r := fx.event_rule(fx.sa, fx.root_pattern, "ENABLED", fx.sns_target(fx.sa))
	req := fx.requirements_with({"alerting": {"allow_eventbridge": true, "required_events": ["console_sign_in"]}})
	outcome(with_rules([r]), req) == "pass"
}

test_fail_disabled if {
	d := only_deny(with_rules([fx.event_rule(fx.sa, fx.root_pattern, "DISABLED", fx.sns_target(fx.sa))]), allowed)
	d.resource == us_bus
	d.evidence.missing_events == [
		"root-api-call-access-key", "root-api-call-write-access-key", "root-assume-root-session", "root-console-action",
		"root-console-read-only-action", "root-console-sign-in-failure", "root-console-sign-in-success",
	]
	endswith(d.message, "rule root-activity: it is DISABLED.")
}

# --- regions -------------------------------------------------------------------------------------

# A rule in us-east-1 sees sign-ins and global-service events, but not a root API call made in
# eu-west-1: that region needs its own rule.
test_fail_region_without_a_rule if {
	acct := fx.change(fx.eventbridge_only(fx.good_event_rule), {"eu-west-1": {"events": {"rules": []}}})
	d := only_deny(fx.input_for(acct, {}), allowed)
	d.resource == eu_bus
	d.region == "eu-west-1"
	d.evidence.missing_events == regional
	d.message == "In eu-west-1 no enabled EventBridge rule delivers root-api-call-access-key, root-api-call-write-access-key, root-console-read-only-action to a person: there is no root rule in this region, and a rule sees only its own region's events."
}

# Console sign-ins and IAM events arrive in us-east-1 only: a rule in every other region does not
# see them.
test_fail_global_events_need_a_rule_in_us_east_1 if {
	acct := fx.change(fx.eventbridge_only(fx.good_event_rule), {"us-east-1": {"events": {"rules": []}}})
	d := only_deny(fx.input_for(acct, {}), allowed)
	d.region == "us-east-1"
	count(d.evidence.missing_events) == 7
}

test_insufficient_when_us_east_1_was_not_collected if {
	acct := fx.account(fx.sa, "standalone", {"eu-west-1": object.union(fx.empty_region, fx.eu_rule_region(fx.good_event_rule_in("eu-west-1")))})
	inp := fx.input_for(acct, {})
	outcome(inp, allowed) == "insufficient_data"
	some r in insufficient(inp, allowed)
	contains(r.message, "global-service events (root-console-sign-in-success, root-console-sign-in-failure, root-console-action, root-assume-root-session) arrive in us-east-1, which was not collected")
}

test_insufficient_region_events_unread if {
	acct := fx.change(fx.eventbridge_only(fx.good_event_rule), {"eu-west-1": {"events": null}})
	inp := fx.input_for(acct, {})
	outcome(inp, allowed) == "insufficient_data"
	some r in insufficient(inp, allowed)
	contains(r.message, "EventBridge rules in eu-west-1 were not collected")
}

test_fail_target_in_another_region if {
	r := fx.event_rule(fx.sa, fx.root_pattern, fx.all_events, fx.sns_target_in(fx.sa, "eu-west-1"))
	d := only_deny(with_rules([r]), allowed)
	contains(d.message, "SNS topic root-activity-alerts in eu-west-1 does not deliver to a person: it is in eu-west-1, and EventBridge delivers only to targets in the rule's own region (us-east-1)")
}

# --- several rules together -------------------------------------------------------------------------

sign_in_rule := object.union(fx.event_rule(fx.sa, object.union(fx.root_pattern, {"detail-type": ["AWS Console Sign In via CloudTrail"]}), fx.all_events, fx.sns_target(fx.sa)), {
	"name": "root-sign-in",
	"arn": "arn:aws:events:us-east-1:555566667777:rule/root-sign-in",
})

api_rule := object.union(fx.event_rule(fx.sa, object.union(fx.root_pattern, {"detail-type": ["AWS API Call via CloudTrail"]}), fx.all_events, fx.sns_target(fx.sa)), {
	"name": "root-api",
	"arn": "arn:aws:events:us-east-1:555566667777:rule/root-api",
})

test_pass_sign_in_rule_and_api_call_rule_together if outcome(with_rules([sign_in_rule, api_rule]), allowed) == "pass"

test_fail_sign_in_rule_alone_names_the_api_calls if {
	d := only_deny(with_rules([sign_in_rule]), allowed)
	d.evidence.missing_events == [
		"root-api-call-access-key", "root-api-call-write-access-key", "root-assume-root-session",
		"root-console-action", "root-console-read-only-action",
	]
	d.evidence.delivered_events == ["root-console-sign-in-failure", "root-console-sign-in-success"]
	contains(d.message, "rule root-sign-in: its pattern does not match root-api-call-access-key")
}

test_fail_api_call_rule_alone_names_the_sign_ins if {
	d := only_deny(with_rules([api_rule]), allowed)
	d.evidence.missing_events == ["root-console-sign-in-failure", "root-console-sign-in-success"]
}

# --- patterns and targets ---------------------------------------------------------------------------

test_fail_lower_case_root_matches_no_root_event if {
	pattern := json.marshal({"detail": {"userIdentity": {"type": ["root"]}}})
	rules := [{"name": "r", "arn": "arn:aws:events:us-east-1:555566667777:rule/r", "state": fx.all_events, "event_pattern": pattern, "targets": fx.sns_target(fx.sa)}]
	outcome(with_rules(rules), allowed) == "fail"
}

test_fail_invalid_pattern_names_the_error if {
	rules := [{"name": "r", "arn": "arn:aws:events:us-east-1:555566667777:rule/r", "state": fx.all_events, "event_pattern": `{"detail": {"userIdentity": {"type": "Root"}}}`, "targets": fx.sns_target(fx.sa)}]
	d := only_deny(with_rules(rules), allowed)
	contains(d.message, "its event pattern is not valid (event pattern is not valid at detail.userIdentity.type")
	contains(d.evidence.eventbridge_rules[0].pattern_error, "inside a list")
}

test_pass_reordered_and_prefix_pattern if {
	pattern := json.marshal({"detail": {"userIdentity": {"type": [{"prefix": "Roo"}]}}, "source": [{"prefix": "aws."}]})
	rules := [{"name": "r", "arn": "arn:aws:events:us-east-1:555566667777:rule/r", "state": fx.all_events, "event_pattern": pattern, "targets": fx.sns_target(fx.sa)}]
	outcome(with_rules(rules), allowed) == "pass"
}

test_fail_no_sns_target if {
	lambda := [{"id": "fn", "arn": "arn:aws:lambda:us-east-1:555566667777:function:notify"}]
	d := only_deny(with_rules([fx.event_rule(fx.sa, fx.root_pattern, fx.all_events, lambda)]), allowed)
	endswith(d.message, "rule root-activity: it has no SNS topic target.")
}

test_fail_topic_with_only_pending_subscriptions if {
	d := only_deny(with_topic({"subscriptions": [fx.pending_subscription("security@example.com")]}), allowed)
	endswith(d.message, "SNS topic root-activity-alerts in us-east-1 does not deliver to a person: it reaches no person: its only subscriptions are pending confirmation.")
	d.evidence.eventbridge_rules[0].sns_targets[0].state == "fail"
}

test_fail_endpoint_not_accepted if {
	req := fx.requirements_with({"alerting": {"allow_eventbridge": true, "accepted_endpoints": ["*@corp.example.org"]}})
	outcome(fx.input_for(fx.eventbridge_only(fx.good_event_rule), {}), req) == "fail"
}

test_fail_lists_every_fault if {
	pattern := object.union(fx.root_pattern, {"detail-type": ["AWS API Call via CloudTrail"]})
	d := only_deny(with_rules([fx.event_rule(fx.sa, pattern, "DISABLED", [])]), allowed)
	count(d.evidence.eventbridge_rules[0].faults) == 3
}

test_insufficient_targets_unread if {
	inp := with_rules([fx.event_rule(fx.sa, fx.root_pattern, fx.all_events, null)])
	outcome(inp, allowed) == "insufficient_data"
	some r in insufficient(inp, allowed)
	contains(r.message, "rule root-activity: its targets could not be read")
}

test_insufficient_topic_subscriptions_unread if {
	outcome(with_topic({"subscriptions": null}), allowed) == "insufficient_data"
}

test_fail_not_insufficient_when_disabled_and_targets_unread if {
	outcome(with_rules([fx.event_rule(fx.sa, fx.root_pattern, "DISABLED", null)]), allowed) == "fail"
}

# --- delivery: the topic's policy and encryption -------------------------------------------------------

test_fail_topic_policy_without_eventbridge if {
	d := only_deny(with_topic({"attributes": {"policy": fx.topic_policy(fx.sa, "us-east-1", false), "kms_master_key_id": "not_set"}}), allowed)
	contains(d.message, "its access policy does not let EventBridge (events.amazonaws.com) publish: no statement of the topic's access policy allows events.amazonaws.com to publish (sns:Publish)")
}

test_pass_target_with_a_role if {
	targets := [{"id": "notify", "arn": fx.topic_arn(fx.sa), "role_arn": "arn:aws:iam::555566667777:role/events-to-sns"}]
	inp := fx.input_for(fx.change(fx.us({
		"events": {"rules": [fx.event_rule(fx.sa, fx.root_pattern, fx.all_events, targets)]},
		"sns": {"topics": [object.union(fx.topic(fx.sa), {"attributes": {"policy": fx.topic_policy(fx.sa, "us-east-1", false), "kms_master_key_id": "not_set"}})]},
	}), {"eu-west-1": fx.eu_rule_region(fx.good_event_rule_in("eu-west-1"))}), {})
	outcome(inp, allowed) == "pass"
}

test_insufficient_topic_attributes_unread if {
	inp := with_topic({"attributes": null})
	outcome(inp, allowed) == "insufficient_data"
	some r in insufficient(inp, allowed)
	contains(r.message, "its access policy was not collected")
}

test_fail_topic_encrypted_with_the_aws_managed_key if {
	d := only_deny(with_topic({"attributes": {"policy": fx.topic_policy(fx.sa, "us-east-1", true), "kms_master_key_id": "alias/aws/sns"}}), allowed)
	contains(d.message, "it is encrypted with the AWS managed key aws/sns")
}

test_insufficient_topic_encrypted_with_a_customer_key if {
	key := "arn:aws:kms:us-east-1:555566667777:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	inp := with_topic({"attributes": {"policy": fx.topic_policy(fx.sa, "us-east-1", true), "kms_master_key_id": key}})
	outcome(inp, allowed) == "insufficient_data"
	some r in insufficient(inp, allowed)
	contains(r.message, "whether that key's policy lets EventBridge use it was not collected")
}

test_insufficient_topic_encryption_not_collected if {
	outcome(with_topic({"attributes": {"policy": fx.topic_policy(fx.sa, "us-east-1", true), "kms_master_key_id": null}}), allowed) == "insufficient_data"
}

# --- member accounts -----------------------------------------------------------------------------

test_pass_member_rules_notify_topics_of_the_management_account if {
	us_rule := fx.event_rule_in(fx.member, "us-east-1", fx.root_pattern, fx.all_events, fx.sns_target_in(fx.mgmt, "us-east-1"))
	eu_rule := fx.event_rule_in(fx.member, "eu-west-1", fx.root_pattern, fx.all_events, fx.sns_target_in(fx.mgmt, "eu-west-1"))
	acct := fx.change(fx.member_account, {"us-east-1": {"events": {"rules": [us_rule]}}, "eu-west-1": {"events": {"rules": [eu_rule]}}})
	inp := object.union(fx.member_input({"eu-west-1": {"sns": {"topics": [fx.topic_in(fx.mgmt, "eu-west-1")]}}}), {"account": acct})
	outcome(inp, allowed) == "pass"
}

test_insufficient_member_rule_notifies_a_topic_outside_the_snapshot if {
	us_rule := fx.event_rule_in(fx.member, "us-east-1", fx.root_pattern, fx.all_events, fx.sns_target_in(fx.mgmt, "us-east-1"))
	eu_rule := fx.event_rule_in(fx.member, "eu-west-1", fx.root_pattern, fx.all_events, fx.sns_target_in(fx.mgmt, "eu-west-1"))
	acct := fx.change(fx.member_account, {"us-east-1": {"events": {"rules": [us_rule]}}, "eu-west-1": {"events": {"rules": [eu_rule]}}})
	outcome(fx.input_for(acct, {}), allowed) == "insufficient_data"
}
