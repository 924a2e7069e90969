package rootwarden.rules.root_alarm_notification_test

import rego.v1

import data.rootwarden.lib.monitoring_fixtures as fx
import data.rootwarden.rules.root_alarm_notification as rule

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

topic_arn := "arn:aws:sns:us-east-1:555566667777:root-activity-alerts"

with_endpoints(patterns) := fx.requirements_with({"alerting": {"accepted_endpoints": patterns}})

test_pass_standalone if outcome(fx.standalone_input, fx.requirements) == "pass"

test_pass_member_via_organization_trail if outcome(fx.member_input({}), fx.requirements) == "pass"

test_pass_accepted_endpoint_wildcard if outcome(fx.standalone_input, with_endpoints(["*@example.com"])) == "pass"

test_pass_accepted_endpoint_exact if outcome(fx.standalone_input, with_endpoints(["security@example.com"])) == "pass"

test_pass_one_confirmed_among_pending if {
	acct := fx.subscriptions([fx.pending_subscription("a@example.com"), fx.subscription(fx.sa, "security@example.com")])
	outcome(fx.input_for(acct, {}), fx.requirements) == "pass"
}

test_pass_second_action_reaches_a_person if {
	other := "arn:aws:sns:us-east-1:555566667777:empty"
	acct := fx.us({
		"cloudwatch": {"alarms": [object.union(fx.alarm(fx.sa), {"alarm_actions": [other, topic_arn]})]},
		"sns": {"topics": [fx.topic(fx.sa), {"topic_arn": other, "subscriptions": []}]},
	})
	outcome(fx.input_for(acct, {}), fx.requirements) == "pass"
}

test_fail_topic_with_only_pending_subscriptions if {
	d := only_deny(fx.input_for(fx.subscriptions([fx.pending_subscription("security@example.com")]), {}), fx.requirements)
	d.resource == topic_arn
	d.region == "us-east-1"
	d.message == "SNS topic root-activity-alerts in us-east-1, notified by alarm root-account-usage, reaches no person: its only subscriptions are pending confirmation."
	d.evidence.subscriptions == [{"protocol": "email", "endpoint": "security@example.com", "pending_confirmation": true}]
}

test_fail_topic_without_subscriptions if {
	d := only_deny(fx.input_for(fx.subscriptions([]), {}), fx.requirements)
	endswith(d.message, "reaches no person: it has no subscriptions.")
}

test_fail_endpoint_not_accepted if {
	d := only_deny(fx.standalone_input, with_endpoints(["*@corp.example.org", "pager@example.com"]))
	endswith(d.message, "reaches no person: none of its confirmed subscriptions (security@example.com) is an accepted endpoint (*@corp.example.org, pager@example.com).")
	d.evidence.accepted_endpoints == ["*@corp.example.org", "pager@example.com"]
}

test_insufficient_topic_not_collected if {
	outcome(fx.input_for(fx.us({"sns": {"topics": [], "absent_topics": []}}), {}), fx.requirements) == "insufficient_data"
}

test_fail_topic_does_not_exist if {
	d := only_deny(fx.input_for(fx.us({"sns": {"topics": [], "absent_topics": [topic_arn]}}), {}), fx.requirements)
	d.resource == topic_arn
	endswith(d.message, "reaches no person: it does not exist in account 555566667777 (us-east-1).")
}

test_fail_alarm_actions_disabled if {
	d := only_deny(fx.input_for(fx.alarm_changed({"actions_enabled": false}), {}), fx.requirements)
	d.resource == "arn:aws:cloudwatch:us-east-1:555566667777:alarm:root-account-usage"
	startswith(d.message, "No notification possible: alarm root-account-usage")
	endswith(d.message, "cannot alert on a single root event: its actions are disabled.")
}

test_fail_alarm_wrong_namespace if {
	d := only_deny(fx.input_for(fx.alarm_changed({"namespace": "LogMetrics"}), {}), fx.requirements)
	startswith(d.message, "No notification possible: no CloudWatch alarm watches metric CISBenchmark/RootAccountUsageCount")
}

test_fail_no_root_filter if {
	d := only_deny(fx.input_for(fx.us({"logs": {"metric_filters": []}}), {}), fx.requirements)
	startswith(d.message, "No notification possible: no root metric filter on log group aws-cloudtrail-logs")
}

test_fail_trail_not_logging if {
	d := only_deny(fx.input_for(fx.trail_changed({"status": {"is_logging": false}}), {}), fx.requirements)
	d.resource == "arn:aws:iam::555566667777:root"
	startswith(d.message, "No notification possible: account 555566667777 has no qualifying CloudTrail trail")
}

test_fail_no_cloudwatch_logs if {
	d := only_deny(fx.input_for(fx.trail_changed({"cloud_watch_logs_log_group_arn": null}), {}), fx.requirements)
	d.message == "No notification possible: trail management-events does not deliver its events to CloudWatch Logs."
}

test_fail_reports_every_broken_chain if {
	# Two root filters on the log group: one without an alarm, one whose alarm's topic is pending.
	second := object.union(fx.root_filter("aws-cloudtrail-logs"), {
		"filter_name": "Second",
		"metric_transformations": [{"metric_name": "Other", "metric_namespace": "CISBenchmark", "metric_value": "1"}],
	})
	acct := fx.us({
		"logs": {"metric_filters": [fx.root_filter("aws-cloudtrail-logs"), second]},
		"sns": {"topics": [{"topic_arn": topic_arn, "subscriptions": [fx.pending_subscription("x@example.com")]}]},
	})
	ds := denies(fx.input_for(acct, {}), fx.requirements)
	count(ds) == 2
	{d.resource | some d in ds} == {topic_arn, "arn:aws:logs:us-east-1:555566667777:log-group:aws-cloudtrail-logs"}
}

test_fail_member_owner_topic_pending if {
	inp := fx.member_input({"us-east-1": {"sns": {"topics": [{
		"topic_arn": fx.topic_arn(fx.mgmt),
		"subscriptions": [fx.pending_subscription("security@example.com")],
	}]}}})
	d := only_deny(inp, fx.requirements)
	d.account_id == fx.member
	d.resource == "arn:aws:sns:us-east-1:111111111111:root-activity-alerts"
	contains(d.message, "SNS topic root-activity-alerts in us-east-1 of account 111111111111")
}

test_insufficient_subscriptions_unread if {
	inp := fx.input_for(fx.subscriptions(null), {})
	outcome(inp, fx.requirements) == "insufficient_data"
	some r in insufficient(inp, fx.requirements)
	contains(r.message, "its subscriptions could not be read")
}

test_insufficient_topic_in_an_account_outside_the_snapshot if {
	elsewhere := "arn:aws:sns:us-east-1:999999999999:central-alerts"
	acct := fx.alarm_changed({"alarm_actions": [elsewhere]})
	inp := fx.input_for(acct, {})
	outcome(inp, fx.requirements) == "insufficient_data"
	some r in insufficient(inp, fx.requirements)
	contains(r.message, "account 999999999999 is not in the snapshot")
}

test_insufficient_member_owner_sns_unread if {
	outcome(fx.member_input({"us-east-1": {"sns": null}}), fx.requirements) == "insufficient_data"
}

test_insufficient_member_owner_alarms_unread if {
	outcome(fx.member_input({"us-east-1": {"cloudwatch": null}}), fx.requirements) == "insufficient_data"
}

test_not_applicable_with_accepted_eventbridge_path if {
	outcome(fx.input_for(fx.eventbridge_only(fx.good_event_rule), {}), fx.eventbridge_requirements) == "not_applicable"
}

test_fail_eventbridge_path_not_accepted if {
	outcome(fx.input_for(fx.eventbridge_only(fx.good_event_rule), {}), fx.requirements) == "fail"
}

test_fail_eventbridge_path_accepted_but_its_topic_is_pending if {
	acct := fx.change(fx.eventbridge_only(fx.good_event_rule), {"us-east-1": {"sns": {"topics": [{
		"topic_arn": topic_arn,
		"subscriptions": [fx.pending_subscription("security@example.com")],
	}]}}})
	outcome(fx.input_for(acct, {}), fx.eventbridge_requirements) == "fail"
}
