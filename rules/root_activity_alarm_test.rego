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

test_pass_extended_statistic if alarm({"statistic": null, "extended_statistic": "p99"}) == "pass"

# Statistics are judged by what they compute: the Average, Minimum or a percentile of a period
# holding one datapoint of value 1 is 1.
test_pass_average_of_one_value if alarm({"statistic": "Average"}) == "pass"

test_pass_sample_count_of_a_zero_value if {
	acct := fx.us({
		"logs": {"metric_filters": [object.union(fx.root_filter("aws-cloudtrail-logs"), {"metric_transformations": [object.union(fx.root_filter("aws-cloudtrail-logs").metric_transformations[0], {"metric_value": "0"})]})]},
		"cloudwatch": {"alarms": [object.union(fx.alarm(fx.sa), {"statistic": "SampleCount"})]},
	})
	outcome(fx.input_for(acct, {}), fx.requirements) == "pass"
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
	d.evidence.faults == ["for every required root event: the metric value 1 never reaches the threshold 5 (Sum 1 is not >= 5)"]
}

test_fail_greater_than_one if alarm({"comparison_operator": "GreaterThanThreshold", "threshold": 1}) == "fail"

test_fail_less_than if alarm({"comparison_operator": "LessThanThreshold"}) == "fail"

test_insufficient_no_threshold if {
	inp := fx.input_for(fx.alarm_changed({"threshold": null}), {})
	outcome(inp, fx.requirements) == "insufficient_data"
	some r in insufficient(inp, fx.requirements)
	contains(r.message, "alarm root-account-usage on root metric filter RootAccountUsage on log group aws-cloudtrail-logs in us-east-1 might alert on a single root event, but its threshold was not collected")
}

test_insufficient_anomaly_band if {
	inp := fx.input_for(fx.alarm_changed({"threshold": null, "threshold_metric_id": "ad1", "comparison_operator": "LessThanLowerOrGreaterThanUpperThreshold"}), {})
	outcome(inp, fx.requirements) == "insufficient_data"
}

test_insufficient_metric_math_expression if {
	math := object.union(fx.alarm(fx.sa), {"metric_name": null, "namespace": null, "statistic": null, "metrics": [
		{"id": "m1", "return_data": false, "metric_stat": {"namespace": "CISBenchmark", "metric_name": "RootAccountUsageCount", "dimensions": [], "period": 300, "stat": "Sum", "unit": "not_set"}},
		{"id": "e1", "expression": "RATE(m1)", "return_data": true},
	]})
	inp := fx.input_for(fx.us({"cloudwatch": {"alarms": [math]}}), {})
	outcome(inp, fx.requirements) == "insufficient_data"
	some r in insufficient(inp, fx.requirements)
	contains(r.message, "it alarms on the metric math expression RATE(m1), which rootwarden does not compute")
}

test_fail_average_diluted_by_a_default_value if {
	t := object.union(fx.root_filter("aws-cloudtrail-logs").metric_transformations[0], {"default_value": 0})
	acct := fx.us({
		"logs": {"metric_filters": [object.union(fx.root_filter("aws-cloudtrail-logs"), {"metric_transformations": [t]})]},
		"cloudwatch": {"alarms": [object.union(fx.alarm(fx.sa), {"statistic": "Average"})]},
	})
	d := only_deny(fx.input_for(acct, {}), fx.requirements)
	d.evidence.faults == ["for every required root event: a period holding one root event (metric value 1) and 4 minute(s) of the default value 0 has Average 0.2, which is not >= 1"]
}

test_fail_metric_value_zero if {
	t := object.union(fx.root_filter("aws-cloudtrail-logs").metric_transformations[0], {"metric_value": "0"})
	acct := fx.us({"logs": {"metric_filters": [object.union(fx.root_filter("aws-cloudtrail-logs"), {"metric_transformations": [t]})]}})
	d := only_deny(fx.input_for(acct, {}), fx.requirements)
	d.evidence.faults == ["for every required root event: the metric value 0 never reaches the threshold 1 (Sum 0 is not >= 1)"]
	contains(d.message, "the metric value 0 never reaches the threshold 1")
}

test_fail_dimensions_differ if alarm({"dimensions": [{"name": "Account", "value": "555566667777"}]}) == "fail"

test_insufficient_filter_facts_not_collected if {
	t := object.union(fx.root_filter("aws-cloudtrail-logs").metric_transformations[0], {"default_value": null})
	acct := fx.us({"logs": {"metric_filters": [object.union(fx.root_filter("aws-cloudtrail-logs"), {"metric_transformations": [t]})]}})
	outcome(fx.input_for(acct, {}), fx.requirements) == "insufficient_data"
}

test_fail_several_datapoints if {
	d := only_deny(fx.input_for(fx.alarm_changed({"datapoints_to_alarm": null, "evaluation_periods": 3}), {}), fx.requirements)
	d.evidence.faults == ["it needs 3 breaching datapoints out of 3, and one root event gives one: the periods around it are missing, and missing data counts as not breaching"]
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
