package rootwarden.rules.root_activity_test

import rego.v1

import data.rootwarden.lib.root_fixtures as fx
import data.rootwarden.rules.root_activity as rule

sign_in := {
	"event_id": "e-1",
	"event_time": "2026-11-10T09:02:11Z",
	"region": "us-east-1",
	"kind": "console_sign_in",
	"event_source": "signin.amazonaws.com",
	"event_name": "ConsoleLogin",
	"source_ip": "192.0.2.44",
	"sign_in_result": "Success",
	"mfa_used": true,
}

key_call := {
	"event_id": "e-2",
	"event_time": "2026-11-12T22:41:09Z",
	"region": "eu-west-1",
	"kind": "programmatic",
	"event_source": "s3.amazonaws.com",
	"event_name": "ListBuckets",
	"source_ip": "198.51.100.7",
	"access_key_last4": "WXYZ",
}

activity(events, errors) := {
	"window_start": "2026-08-22T08:00:00Z",
	"window_end": "2026-11-20T08:00:00Z",
	"sources": ["logs"],
	"errors": errors,
	"events": events,
	"service_events": {},
}

with_activity(events, errors) := fx.input_with({"activity": activity(events, errors)})

exception(patch) := object.union(
	{
		"account_id": fx.account_id,
		"scenario": "Break-glass CHG-1",
		"allowed_event_names": ["ConsoleLogin"],
		"approver": "ciso@example.com",
		"starts": "2026-11-10",
		"expires": "2026-11-10",
	},
	patch,
)

reqs(list) := fx.requirements_with({"root_use_exceptions": list})

test_not_reviewed_is_not_applicable if {
	count(rule.not_applicable) == 1 with input as fx.base_input with data.requirements as fx.requirements
	count(rule.deny) == 0 with input as fx.base_input with data.requirements as fx.requirements
}

test_no_events_passes if {
	inp := with_activity([], [])
	count(rule.deny) == 0 with input as inp with data.requirements as fx.requirements
	count(rule.insufficient_data) == 0 with input as inp with data.requirements as fx.requirements
	count(rule.not_applicable) == 0 with input as inp with data.requirements as fx.requirements
}

test_unapproved_events_fail_one_finding_per_kind_and_name if {
	inp := with_activity([sign_in, key_call, object.union(key_call, {"event_id": "e-3", "event_time": "2026-11-13T01:00:00Z"})], [])
	fs := rule.deny with input as inp with data.requirements as fx.requirements
	count(fs) == 2
	some f in fs
	f.key == "programmatic/ListBuckets"
	f.evidence.count == 2
	f.evidence.first == "2026-11-12T22:41:09Z"
	f.evidence.last == "2026-11-13T01:00:00Z"
	f.evidence.event_ids == ["e-2", "e-3"]
	f.message == "Root programmatic ListBuckets happened 2 times between 2026-11-12T22:41:09Z and 2026-11-13T01:00:00Z outside any approved root-use exception."
}

test_single_event_message if {
	inp := with_activity([sign_in], [])
	[f] := [x | some x in rule.deny] with input as inp with data.requirements as fx.requirements
	f.message == "Root console sign in ConsoleLogin happened once, at 2026-11-10T09:02:11Z, outside any approved root-use exception."
}

test_exception_covers_its_day_and_event_names_only if {
	inp := with_activity([sign_in, key_call], [])
	fs := rule.deny with input as inp with data.requirements as reqs([exception({})])
	[only] := [x | some x in fs]
	only.key == "programmatic/ListBuckets"
}

test_expired_exception_does_not_cover if {
	inp := with_activity([sign_in], [])
	count(rule.deny) == 1 with input as inp with data.requirements as reqs([exception({"starts": "2026-11-01", "expires": "2026-11-09"})])
}

test_exception_not_started_does_not_cover if {
	inp := with_activity([sign_in], [])
	count(rule.deny) == 1 with input as inp with data.requirements as reqs([exception({"starts": "2026-11-11", "expires": "2026-11-30"})])
}

test_exception_of_another_account_does_not_cover if {
	inp := with_activity([sign_in], [])
	count(rule.deny) == 1 with input as inp with data.requirements as reqs([exception({"account_id": "999999999999"})])
}

test_empty_event_list_allows_any_event if {
	inp := with_activity([sign_in, key_call], [])
	count(rule.deny) == 0 with input as inp with data.requirements as reqs([exception({"allowed_event_names": [], "starts": "2026-11-01", "expires": "2026-11-30"})])
}

test_unbounded_start if {
	ex := object.remove(exception({"expires": "2026-11-30", "allowed_event_names": []}), ["starts"])
	inp := with_activity([sign_in, key_call], [])
	count(rule.deny) == 0 with input as inp with data.requirements as reqs([ex])
}

test_unreadable_source_is_insufficient_not_pass if {
	err := {"source": "lookup_events", "region": "eu-west-1", "error_code": "AccessDenied", "message": "no"}
	inp := with_activity([], [err])
	count(rule.deny) == 0 with input as inp with data.requirements as fx.requirements
	[reason] := [x | some x in rule.insufficient_data] with input as inp with data.requirements as fx.requirements
	contains(reason.message, "lookup_events eu-west-1: AccessDenied")
}

test_unapproved_use_fails_even_when_incomplete if {
	err := {"source": "logs", "error_code": "Unreadable", "message": "1 of 3 files"}
	inp := with_activity([key_call], [err])
	count(rule.deny) == 1 with input as inp with data.requirements as fx.requirements
}

test_expiry_day_includes_its_last_fraction_of_a_second if {
	last := object.union(sign_in, {"event_time": "2026-11-10T23:59:59.999Z"})
	next := object.union(sign_in, {"event_id": "e-9", "event_time": "2026-11-11T00:00:00Z"})
	inp := with_activity([last, next], [])
	[only] := [x | some x in rule.deny] with input as inp with data.requirements as reqs([exception({})])
	only.evidence.event_ids == ["e-9"]
}
