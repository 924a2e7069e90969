package rootwarden.rules.root_activity_alarm_test

import rego.v1

import data.rootwarden.lib.monitoring_fixtures as fx
import data.rootwarden.rules.root_activity_alarm as rule

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

alarm(changes) := outcome(fx.input_for(fx.alarm_changed(changes), {}), fx.requirements)

alarm_arn := "arn:aws:cloudwatch:us-east-1:555566667777:alarm:root-account-usage"

test_pass_standalone if outcome(fx.standalone_input, fx.requirements) == "pass"

test_pass_member_via_organization_trail if outcome(fx.member_input({}), fx.requirements) == "pass"

test_pass_greater_than_zero if alarm({"comparison_operator": "GreaterThanThreshold", "threshold": 0}) == "pass"

test_pass_threshold_below_one if alarm({"threshold": 0.5}) == "pass"

test_pass_sample_count_and_maximum if {
	alarm({"statistic": "SampleCount"}) == "pass"
	alarm({"statistic": "Maximum"}) == "pass"
}

# No statistic is recorded for an extended (percentile) statistic, nor when it was not read; a
# percentile over a period may not reach the threshold on one event, so neither counts.
test_fail_without_statistic if {
	d := only_deny(fx.input_for(fx.alarm_changed({"statistic": null}), {}), fx.requirements)
	d.evidence.faults == ["it has no statistic that counts single events (Sum, SampleCount or Maximum)"]
}

test_pass_datapoints_default_to_evaluation_periods if alarm({"datapoints_to_alarm": null, "evaluation_periods": 1}) == "pass"

test_pass_one_of_several_datapoints_windows if alarm({"datapoints_to_alarm": 1, "evaluation_periods": 3}) == "pass"

test_pass_one_good_alarm_among_bad_ones if {
	bad := object.union(fx.alarm(fx.sa), {"alarm_name": "disabled", "actions_enabled": false})
	acct := fx.us({"cloudwatch": {"alarms": [bad, fx.alarm(fx.sa)]}})
	outcome(fx.input_for(acct, {}), fx.requirements) == "pass"
}

test_fail_wrong_namespace if {
	d := only_deny(fx.input_for(fx.alarm_changed({"namespace": "LogMetrics"}), {}), fx.requirements)
	d.message == "No CloudWatch alarm watches metric CISBenchmark/RootAccountUsageCount of root metric filter RootAccountUsage on log group aws-cloudtrail-logs in us-east-1."
	d.resource == "arn:aws:logs:us-east-1:555566667777:log-group:aws-cloudtrail-logs"
	d.evidence.alarms_on_other_metrics == [{"alarm_name": "root-account-usage", "namespace": "LogMetrics", "metric_name": "RootAccountUsageCount"}]
}

test_fail_wrong_metric_name if alarm({"metric_name": "RootUsage"}) == "fail"

test_fail_metric_math_alarm if alarm({"metric_name": null, "namespace": null, "threshold": null}) == "fail"

test_fail_actions_disabled if {
	d := only_deny(fx.input_for(fx.alarm_changed({"actions_enabled": false}), {}), fx.requirements)
	d.resource == alarm_arn
	d.region == "us-east-1"
	d.message == "Alarm root-account-usage on metric CISBenchmark/RootAccountUsageCount of root metric filter RootAccountUsage on log group aws-cloudtrail-logs in us-east-1 cannot alert on a single root event: its actions are disabled."
	d.evidence.faults == ["its actions are disabled"]
}

test_fail_threshold_too_high if {
	d := only_deny(fx.input_for(fx.alarm_changed({"threshold": 5}), {}), fx.requirements)
	d.evidence.faults == ["it fires when the metric is >= 5, not on a single root event"]
}

test_fail_greater_than_one if alarm({"comparison_operator": "GreaterThanThreshold", "threshold": 1}) == "fail"

test_fail_less_than if alarm({"comparison_operator": "LessThanThreshold"}) == "fail"

test_fail_no_threshold if {
	d := only_deny(fx.input_for(fx.alarm_changed({"threshold": null}), {}), fx.requirements)
	d.evidence.faults == ["it has no static threshold"]
}

test_fail_average if {
	d := only_deny(fx.input_for(fx.alarm_changed({"statistic": "Average"}), {}), fx.requirements)
	d.evidence.faults == ["its statistic Average does not count single events"]
}

test_fail_several_datapoints if {
	d := only_deny(fx.input_for(fx.alarm_changed({"datapoints_to_alarm": null, "evaluation_periods": 3}), {}), fx.requirements)
	d.evidence.faults == ["it needs 3 breaching datapoints, not 1"]
}

test_fail_no_sns_action if {
	acct := fx.alarm_changed({"alarm_actions": ["arn:aws:automate:us-east-1:ec2:stop"]})
	d := only_deny(fx.input_for(acct, {}), fx.requirements)
	d.evidence.faults == ["none of its alarm actions is an SNS topic"]
}

test_fail_lists_each_bad_alarm if {
	a := object.union(fx.alarm(fx.sa), {"actions_enabled": false})
	b := object.union(fx.alarm(fx.sa), {"alarm_name": "b", "alarm_arn": "arn:aws:cloudwatch:us-east-1:555566667777:alarm:b", "threshold": 10})
	ds := denies(fx.input_for(fx.us({"cloudwatch": {"alarms": [a, b]}}), {}), fx.requirements)
	count(ds) == 2
}

test_fail_alarm_in_another_region if {
	acct := fx.change(fx.us({"cloudwatch": {"alarms": []}}), {"eu-west-1": {"cloudwatch": {"alarms": [fx.alarm(fx.sa)]}}})
	outcome(fx.input_for(acct, {}), fx.requirements) == "fail"
}

test_fail_no_root_filter if {
	acct := fx.us({"logs": {"metric_filters": []}})
	d := only_deny(fx.input_for(acct, {}), fx.requirements)
	d.message == "No alarm possible: no root metric filter on log group aws-cloudtrail-logs in us-east-1 (fed by trail management-events)."
	d.resource == "arn:aws:logs:us-east-1:555566667777:log-group:aws-cloudtrail-logs"
}

test_fail_filter_on_another_log_group if {
	acct := fx.us({"logs": {
		"log_groups": [fx.log_group(fx.sa, "aws-cloudtrail-logs", 400), fx.log_group(fx.sa, "app-logs", 30)],
		"metric_filters": [fx.root_filter("app-logs")],
	}})
	d := only_deny(fx.input_for(acct, {}), fx.requirements)
	startswith(d.message, "No alarm possible: no root metric filter")
}

test_fail_trail_not_logging if {
	d := only_deny(fx.input_for(fx.trail_changed({"status": {"is_logging": false}}), {}), fx.requirements)
	startswith(d.message, "No alarm possible: account 555566667777 has no qualifying CloudTrail trail")
}

test_fail_member_owner_alarm_actions_disabled if {
	inp := fx.member_input({"us-east-1": {"cloudwatch": {"alarms": [object.union(fx.alarm(fx.mgmt), {"actions_enabled": false})]}}})
	d := only_deny(inp, fx.requirements)
	d.account_id == fx.member
	d.resource == "arn:aws:cloudwatch:us-east-1:111111111111:alarm:root-account-usage"
}

test_fail_member_own_alarm_does_not_count if {
	inp := fx.member_input({"us-east-1": {"cloudwatch": {"alarms": []}}})
	acct := fx.change(fx.member_account, {"us-east-1": {"cloudwatch": {"alarms": [fx.alarm(fx.member)]}}})
	outcome(object.union(inp, {"account": acct}), fx.requirements) == "fail"
}

test_insufficient_member_owner_alarms_unread if {
	inp := fx.member_input({"us-east-1": {"cloudwatch": null}})
	outcome(inp, fx.requirements) == "insufficient_data"
	some r in insufficient(inp, fx.requirements)
	contains(r.message, "cloudwatch of account 111111111111 in us-east-1 was not collected")
}

test_insufficient_member_owner_not_in_snapshot if {
	outcome(fx.input_for(fx.member_account, {}), fx.requirements) == "insufficient_data"
}

test_not_applicable_with_accepted_eventbridge_path if {
	outcome(fx.input_for(fx.eventbridge_only(fx.good_event_rule), {}), fx.eventbridge_requirements) == "not_applicable"
}

test_fail_eventbridge_path_not_accepted if {
	outcome(fx.input_for(fx.eventbridge_only(fx.good_event_rule), {}), fx.requirements) == "fail"
}
