package rootwarden.rules.cloudtrail_cloudwatch_logs_test

import rego.v1

import data.rootwarden.lib.monitoring_fixtures as fx
import data.rootwarden.rules.cloudtrail_cloudwatch_logs as rule

# The rule's verdict sets for an input and requirements. (`with ... as` only ever takes local
# variables: regorus 0.14 loses rule values computed while evaluating a `with` target.)
denies(inp, req) := d if {
	d := rule.deny with input as inp with data.requirements as req
}

insufficient(inp, req) := r if {
	r := rule.insufficient_data with input as inp with data.requirements as req
}

outcome(inp, req) := "fail" if {
	count(denies(inp, req)) > 0
} else := "insufficient_data" if {
	count(insufficient(inp, req)) > 0
} else := "pass"

only_deny(inp, req) := d if {
	ds := denies(inp, req)
	count(ds) == 1
	some d in ds
}

retention(days) := fx.us({"logs": {"log_groups": [fx.log_group(fx.sa, "aws-cloudtrail-logs", days)]}})

test_pass_standalone if outcome(fx.standalone_input, fx.requirements) == "pass"

test_pass_member_via_organization_trail if outcome(fx.member_input({}), fx.requirements) == "pass"

test_pass_never_expires if outcome(fx.input_for(retention("never_expires"), {}), fx.requirements) == "pass"

# A retention that is missing is not one that never expires.
test_fail_retention_missing if {
	d := only_deny(fx.input_for(retention(null), {}), fx.requirements)
	d.message == "Log group aws-cloudtrail-logs in us-east-1, fed by trail management-events, has no known retention."
}

test_pass_exactly_the_minimum if outcome(fx.input_for(retention(365), {}), fx.requirements) == "pass"

test_pass_log_group_arn_without_star if {
	acct := fx.trail_changed({"cloud_watch_logs_log_group_arn": "arn:aws:logs:us-east-1:555566667777:log-group:aws-cloudtrail-logs"})
	outcome(fx.input_for(acct, {}), fx.requirements) == "pass"
}

test_fail_retention_too_short if {
	d := only_deny(fx.input_for(retention(30), {}), fx.requirements)
	d.message == "Log group aws-cloudtrail-logs in us-east-1, fed by trail management-events, keeps events for 30 days; at least 365 are required."
	d.resource == "arn:aws:logs:us-east-1:555566667777:log-group:aws-cloudtrail-logs"
	d.region == "us-east-1"
	d.evidence.retention_in_days == 30
	d.evidence.min_retention_days == 365
}

test_fail_retention_below_a_stricter_requirement if {
	req := fx.requirements_with({"logging": {"min_retention_days": 731}})
	outcome(fx.standalone_input, req) == "fail"
}

test_fail_no_cloudwatch_logs if {
	d := only_deny(fx.input_for(fx.trail_changed({"cloud_watch_logs_log_group_arn": null}), {}), fx.requirements)
	d.message == "Trail management-events does not deliver its events to CloudWatch Logs."
	d.resource == "arn:aws:cloudtrail:us-east-1:555566667777:trail/management-events"
	d.region == "us-east-1"
}

test_fail_malformed_log_group_arn if {
	acct := fx.trail_changed({"cloud_watch_logs_log_group_arn": "arn:aws:s3:::audit-logs"})
	d := only_deny(fx.input_for(acct, {}), fx.requirements)
	contains(d.message, "which is not a CloudWatch Logs log-group ARN")
}

test_fail_log_group_not_found if {
	acct := fx.us({"logs": {"log_groups": []}})
	d := only_deny(fx.input_for(acct, {}), fx.requirements)
	d.message == "Log group aws-cloudtrail-logs in us-east-1, which trail management-events delivers to, does not exist."
	d.evidence.log_group_exists == false
}

test_fail_no_qualifying_trail if {
	d := only_deny(fx.input_for(fx.trail_changed({"status": {"is_logging": false}}), {}), fx.requirements)
	d.resource == "arn:aws:iam::555566667777:root"
	startswith(d.message, "No trail delivers root activity to CloudWatch Logs: account 555566667777 has no qualifying CloudTrail trail")
}

test_pass_when_one_of_two_qualifying_trails_is_good if {
	second := object.union(fx.trail(fx.sa, false), {
		"name": "second",
		"trail_arn": "arn:aws:cloudtrail:us-east-1:555566667777:trail/second",
		"cloud_watch_logs_log_group_arn": null,
	})
	acct := fx.change(fx.standalone, {"us-east-1": {"cloudtrail": {"trails": [fx.trail(fx.sa, false), second]}}})
	outcome(fx.input_for(acct, {}), fx.requirements) == "pass"
}

test_fail_reports_each_qualifying_trail if {
	second := object.union(fx.trail(fx.sa, false), {
		"name": "second",
		"trail_arn": "arn:aws:cloudtrail:us-east-1:555566667777:trail/second",
		"cloud_watch_logs_log_group_arn": null,
	})
	acct := fx.change(retention(7), {"us-east-1": {"cloudtrail": {"trails": [fx.trail(fx.sa, false), second]}}})
	ds := denies(fx.input_for(acct, {}), fx.requirements)
	count(ds) == 2
}

test_fail_member_owner_retention_too_short if {
	inp := fx.member_input({"us-east-1": {"logs": {"log_groups": [fx.log_group(fx.mgmt, "aws-cloudtrail-logs", 14)]}}})
	d := only_deny(inp, fx.requirements)
	d.account_id == fx.member
	d.resource == "arn:aws:logs:us-east-1:111111111111:log-group:aws-cloudtrail-logs"
	startswith(d.message, "Log group aws-cloudtrail-logs in us-east-1 of account 111111111111")
	contains(d.message, "organization trail management-events of account 111111111111")
}

test_insufficient_member_owner_not_in_snapshot if {
	inp := fx.input_for(fx.member_account, {})
	outcome(inp, fx.requirements) == "insufficient_data"
	some r in insufficient(inp, fx.requirements)
	contains(r.message, "account 111111111111 is not in the snapshot")
}

test_insufficient_member_owner_logs_unread if {
	outcome(fx.member_input({"us-east-1": {"logs": null}}), fx.requirements) == "insufficient_data"
}

test_insufficient_member_owner_region_absent if {
	inp := fx.input_for(fx.member_account, {fx.mgmt: object.union(fx.management_account, {"regions": {"us-east-1": null}})})
	outcome(inp, fx.requirements) == "insufficient_data"
}

test_insufficient_trail_status_unread if {
	outcome(fx.input_for(fx.trail_changed({"status": null}), {}), fx.requirements) == "insufficient_data"
}
