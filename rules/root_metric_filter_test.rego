package rootwarden.rules.root_metric_filter_test

import rego.v1

import data.rootwarden.lib.monitoring_fixtures as fx
import data.rootwarden.rules.root_metric_filter as rule

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

# The CIS filter moved to another log group of the same account.
filter_elsewhere := fx.us({"logs": {
	"log_groups": [fx.log_group(fx.sa, "aws-cloudtrail-logs", 400), fx.log_group(fx.sa, "app-logs", 30)],
	"metric_filters": [fx.root_filter("app-logs")],
}})

test_pass_standalone if outcome(fx.standalone_input, fx.requirements) == "pass"

test_pass_member_via_organization_trail if outcome(fx.member_input({}), fx.requirements) == "pass"

test_pass_filter_without_spaces if {
	f := object.union(fx.root_filter("aws-cloudtrail-logs"), {"filter_pattern": `{($.userIdentity.type="Root")&&($.userIdentity.invokedBy NOT EXISTS)&&($.eventType!="AwsServiceEvent")}`})
	outcome(fx.input_for(fx.us({"logs": {"metric_filters": [f]}}), {}), fx.requirements) == "pass"
}

test_pass_retention_short_is_not_this_rules_concern if {
	acct := fx.us({"logs": {"log_groups": [fx.log_group(fx.sa, "aws-cloudtrail-logs", 1)]}})
	outcome(fx.input_for(acct, {}), fx.requirements) == "pass"
}

test_fail_filter_on_another_log_group if {
	d := only_deny(fx.input_for(filter_elsewhere, {}), fx.requirements)
	d.message == "No root metric filter on log group aws-cloudtrail-logs in us-east-1 (fed by trail management-events)."
	d.resource == "arn:aws:logs:us-east-1:555566667777:log-group:aws-cloudtrail-logs"
	d.region == "us-east-1"
	d.evidence.root_filters_on_other_log_groups == [{
		"account_id": fx.sa,
		"region": "us-east-1",
		"log_group_name": "app-logs",
		"filter_name": "RootAccountUsage",
	}]
	contains(d.evidence.note, "never sees root activity")
}

test_fail_wrong_case if {
	f := object.union(fx.root_filter("aws-cloudtrail-logs"), {"filter_pattern": replace(fx.cis_pattern, `"Root"`, `"root"`)})
	d := only_deny(fx.input_for(fx.us({"logs": {"metric_filters": [f]}}), {}), fx.requirements)
	d.evidence.metric_filters_on_log_group[0].filter_name == "RootAccountUsage"
	d.evidence.metric_filters_on_log_group[0].missed_events == [
		"root-console-sign-in-success", "root-console-sign-in-failure", "root-api-call-access-key",
		"root-api-call-write-access-key", "root-console-action", "root-console-read-only-action",
		"root-assume-root-session",
	]
	contains(d.message, "filter RootAccountUsage misses root-console-sign-in-success, ")
	not d.evidence.note
}

test_pass_reordered_clauses if {
	p := `{ $.eventType != "AwsServiceEvent" && ($.userIdentity.invokedBy NOT EXISTS) && $.userIdentity.type = "Root" }`
	f := object.union(fx.root_filter("aws-cloudtrail-logs"), {"filter_pattern": p})
	outcome(fx.input_for(fx.us({"logs": {"metric_filters": [f]}}), {}), fx.requirements) == "pass"
}

test_fail_unparsable_pattern_names_the_parse_error if {
	f := object.union(fx.root_filter("aws-cloudtrail-logs"), {"filter_pattern": `{ $.userIdentity.type = "Root" && $.eventType != }`})
	d := only_deny(fx.input_for(fx.us({"logs": {"metric_filters": [f]}}), {}), fx.requirements)
	contains(d.message, "filter RootAccountUsage does not parse (at column")
	startswith(d.evidence.metric_filters_on_log_group[0].parse_error, "at column")
}

# CloudWatch Logs regular expressions (`%...%`) are judged by what they match, like any value.
test_pass_regex_filter if {
	p := `{ $.userIdentity.type = %^Root$% && $.userIdentity.invokedBy NOT EXISTS && $.eventType != %^AwsService% }`
	f := object.union(fx.root_filter("aws-cloudtrail-logs"), {"filter_pattern": p})
	outcome(fx.input_for(fx.us({"logs": {"metric_filters": [f]}}), {}), fx.requirements) == "pass"
}

test_fail_regex_filter_that_is_case_wrong if {
	f := object.union(fx.root_filter("aws-cloudtrail-logs"), {"filter_pattern": `{ $.userIdentity.type = %^root$% }`})
	d := only_deny(fx.input_for(fx.us({"logs": {"metric_filters": [f]}}), {}), fx.requirements)
	count(d.evidence.metric_filters_on_log_group[0].missed_events) == 7
}

test_fail_regex_outside_the_aws_subset_names_the_column if {
	f := object.union(fx.root_filter("aws-cloudtrail-logs"), {"filter_pattern": `{ $.userIdentity.type = %^(Root)$% }`})
	d := only_deny(fx.input_for(fx.us({"logs": {"metric_filters": [f]}}), {}), fx.requirements)
	startswith(d.evidence.metric_filters_on_log_group[0].parse_error, "at column 27: parentheses are not supported")
}

test_pass_when_only_console_sign_in_is_required_and_filter_catches_it if {
	p := `{ $.userIdentity.type = "Root" && $.eventName = "ConsoleLogin" }`
	f := object.union(fx.root_filter("aws-cloudtrail-logs"), {"filter_pattern": p})
	req := fx.requirements_with({"alerting": {"required_events": ["console_sign_in"]}})
	outcome(fx.input_for(fx.us({"logs": {"metric_filters": [f]}}), {}), req) == "pass"
	outcome(fx.input_for(fx.us({"logs": {"metric_filters": [f]}}), {}), fx.requirements) == "fail"
}

test_fail_no_filter if {
	outcome(fx.input_for(fx.us({"logs": {"metric_filters": []}}), {}), fx.requirements) == "fail"
}

test_fail_trail_not_logging if {
	d := only_deny(fx.input_for(fx.trail_changed({"status": {"is_logging": false}}), {}), fx.requirements)
	d.resource == "arn:aws:iam::555566667777:root"
	startswith(d.message, "No root metric filter possible: account 555566667777 has no qualifying CloudTrail trail")
}

test_fail_no_cloudwatch_logs if {
	d := only_deny(fx.input_for(fx.trail_changed({"cloud_watch_logs_log_group_arn": null}), {}), fx.requirements)
	d.message == "No root metric filter possible: trail management-events does not deliver its events to CloudWatch Logs."
}

test_fail_trail_feeds_a_log_group_without_the_filter if {
	acct := fx.trail_changed({"cloud_watch_logs_log_group_arn": "arn:aws:logs:us-east-1:555566667777:log-group:app-logs:*"})
	d := only_deny(fx.input_for(acct, {}), fx.requirements)
	d.resource == "arn:aws:logs:us-east-1:555566667777:log-group:app-logs"
	d.evidence.root_filters_on_other_log_groups[0].log_group_name == "aws-cloudtrail-logs"
}

test_fail_filter_in_another_region if {
	acct := fx.change(fx.us({"logs": {"metric_filters": []}}), {"eu-west-1": {"logs": {
		"log_groups": [],
		"metric_filters": [fx.root_filter("aws-cloudtrail-logs")],
	}}})
	d := only_deny(fx.input_for(acct, {}), fx.requirements)
	d.evidence.root_filters_on_other_log_groups[0].region == "eu-west-1"
}

test_fail_member_owner_has_no_filter if {
	d := only_deny(fx.member_input({"us-east-1": {"logs": {"metric_filters": []}}}), fx.requirements)
	d.account_id == fx.member
	d.resource == "arn:aws:logs:us-east-1:111111111111:log-group:aws-cloudtrail-logs"
	d.message == "No root metric filter on log group aws-cloudtrail-logs in us-east-1 of account 111111111111 (fed by organization trail management-events of account 111111111111)."
}

test_fail_member_filter_in_own_account_does_not_count if {
	inp := fx.member_input({"us-east-1": {"logs": {"metric_filters": []}}})
	acct := fx.change(fx.member_account, {"us-east-1": {"logs": {
		"log_groups": [fx.log_group(fx.member, "aws-cloudtrail-logs", 400)],
		"metric_filters": [fx.root_filter("aws-cloudtrail-logs")],
	}}})
	d := only_deny(object.union(inp, {"account": acct}), fx.requirements)
	d.evidence.root_filters_on_other_log_groups[0].account_id == fx.member
}

test_insufficient_member_owner_logs_unread if {
	outcome(fx.member_input({"us-east-1": {"logs": null}}), fx.requirements) == "insufficient_data"
}

test_insufficient_member_owner_not_in_snapshot if {
	outcome(fx.input_for(fx.member_account, {}), fx.requirements) == "insufficient_data"
}

test_insufficient_trail_selectors_unread if {
	acct := fx.trail_changed({"event_selectors": null})
	outcome(fx.input_for(acct, {}), fx.requirements) == "insufficient_data"
}

test_not_applicable_with_accepted_eventbridge_path if {
	inp := fx.input_for(fx.eventbridge_only(fx.good_event_rule), {})
	outcome(inp, fx.eventbridge_requirements) == "not_applicable"
	some r in not_applicable(inp, fx.eventbridge_requirements)
	r.message == "Root activity is alerted on by EventBridge rules root-activity in every collected region, an accepted alternative to the metric filter path."
}

test_not_applicable_even_when_the_metric_chain_is_broken_upstream if {
	acct := fx.change(fx.eventbridge_only(fx.good_event_rule), {
		"us-east-1": {"cloudtrail": {"trails": [object.union(fx.trail(fx.sa, false), {"cloud_watch_logs_log_group_arn": null})]}},
		"eu-west-1": {"cloudtrail": {"trails": [object.union(fx.trail(fx.sa, false), {"cloud_watch_logs_log_group_arn": null})]}},
	})
	outcome(fx.input_for(acct, {}), fx.eventbridge_requirements) == "not_applicable"
}

test_fail_eventbridge_path_not_accepted if {
	outcome(fx.input_for(fx.eventbridge_only(fx.good_event_rule), {}), fx.requirements) == "fail"
}

test_fail_eventbridge_allowed_but_rule_disabled if {
	rule_off := fx.event_rule(fx.sa, fx.root_pattern, "DISABLED", fx.sns_target(fx.sa))
	outcome(fx.input_for(fx.eventbridge_only(rule_off), {}), fx.eventbridge_requirements) == "fail"
}

test_insufficient_eventbridge_allowed_but_targets_unread if {
	unread := fx.event_rule(fx.sa, fx.root_pattern, fx.all_events, null)
	inp := fx.input_for(fx.eventbridge_only(unread), {})
	outcome(inp, fx.eventbridge_requirements) == "insufficient_data"
	some r in insufficient(inp, fx.eventbridge_requirements)
	contains(r.message, "its targets could not be read")
}

test_insufficient_eventbridge_allowed_but_events_unread if {
	acct := fx.change(fx.eventbridge_only(fx.good_event_rule), {"eu-west-1": {"events": null}})
	outcome(fx.input_for(acct, {}), fx.eventbridge_requirements) == "insufficient_data"
}

# A region without a root rule leaves root API calls there unwatched: the EventBridge path is not
# complete, and the broken metric chain fails.
test_fail_eventbridge_allowed_but_a_region_has_no_rule if {
	acct := fx.change(fx.eventbridge_only(fx.good_event_rule), {"eu-west-1": {"events": {"rules": []}}})
	outcome(fx.input_for(acct, {}), fx.eventbridge_requirements) == "fail"
}

test_pass_eventbridge_allowed_and_metric_chain_complete if {
	outcome(fx.standalone_input, fx.eventbridge_requirements) == "pass"
}

# Both paths work: the metric filter chain is CIS evidence, so it passes, not "not applicable".
test_pass_when_both_paths_work if {
	acct := fx.change(fx.standalone, {
		"us-east-1": {"events": {"rules": [fx.good_event_rule]}},
		"eu-west-1": fx.eu_rule_region(fx.good_event_rule_in("eu-west-1")),
	})
	outcome(fx.input_for(acct, {}), fx.eventbridge_requirements) == "pass"
}
