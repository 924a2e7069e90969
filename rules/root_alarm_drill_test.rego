package rootwarden.rules.root_alarm_drill_test

import rego.v1

import data.rootwarden.lib.monitoring_fixtures as fx
import data.rootwarden.rules.root_alarm_drill as rule

# collected_at of the fixtures is 2026-11-20T08:00:00Z.

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

topic := fx.topic_arn(fx.sa)

item(ts) := {"timestamp": ts, "resource": topic, "summary": sprintf("Successfully executed action %s", [topic])}

failed(ts) := {"timestamp": ts, "resource": topic, "summary": sprintf("Failed to execute action %s", [topic])}

history(success, failure) := {"since": "2026-10-21T08:00:00Z", "last_success": success, "last_failure": failure}

with_history(h) := fx.input_for(fx.alarm_changed({"action_history": h}), {})

every_days(n) := fx.requirements_with({"alerting": {"drill_every_days": n}})

test_pass_drilled_five_days_ago if outcome(with_history(history(item("2026-11-15T08:00:00Z"), null)), fx.requirements) == "pass"

# A success proves the chain worked then, even if a later action failed (RW-MON-005 judges today).
test_pass_success_within_window_despite_a_later_failure if {
	h := history(item("2026-11-15T08:00:00Z"), failed("2026-11-19T08:00:00Z"))
	outcome(with_history(h), fx.requirements) == "pass"
}

test_fail_no_success_in_the_history if {
	inp := with_history(history(null, null))
	outcome(inp, fx.requirements) == "fail"
	some d in denies(inp, fx.requirements)
	d.resource == "arn:aws:cloudwatch:us-east-1:555566667777:alarm:root-account-usage"
	contains(d.message, "no action succeeded")
	d.evidence.drill_every_days == 30
}

test_fail_success_older_than_drill_every_days if {
	inp := with_history(history(item("2026-11-10T08:00:00Z"), null))
	outcome(inp, fx.requirements) == "pass"
	outcome(inp, every_days(7)) == "fail"
}

test_fail_names_the_failed_action if {
	inp := with_history(history(null, failed("2026-11-19T08:00:00Z")))
	some d in denies(inp, fx.requirements)
	contains(d.message, "an action failed at 2026-11-19T08:00:00Z (Failed to execute action")
}

test_boundary_exactly_drill_every_days_ago_passes if {
	outcome(with_history(history(item("2026-11-13T08:00:00Z"), null)), every_days(7)) == "pass"
	outcome(with_history(history(item("2026-11-13T07:59:59Z"), null)), every_days(7)) == "fail"
}

test_insufficient_when_history_not_read if {
	inp := fx.input_for(fx.alarm_changed({}), {})
	outcome(inp, fx.requirements) == "insufficient_data"
}

test_not_applicable_without_a_root_alarm if {
	inp := fx.input_for(fx.us({"cloudwatch": {"alarms": []}}), {})
	outcome(inp, fx.requirements) == "not_applicable"
}

test_insufficient_when_the_alarms_cannot_be_read if {
	inp := fx.input_for(fx.us({"cloudwatch": null}), {})
	outcome(inp, fx.requirements) == "insufficient_data"
}

test_member_is_proven_by_the_management_accounts_alarm if {
	alarm := object.union(fx.alarm(fx.mgmt), {"action_history": history(item("2026-11-15T08:00:00Z"), null)})
	inp := fx.member_input({"us-east-1": {"cloudwatch": {"alarms": [alarm]}}})
	outcome(inp, fx.requirements) == "pass"
	outcome(fx.member_input({}), fx.requirements) == "insufficient_data"
}
