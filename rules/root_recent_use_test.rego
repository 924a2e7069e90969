package rootwarden.rules.root_recent_use_test

import rego.v1

import data.rootwarden.lib.root_fixtures as fx
import data.rootwarden.rules.root_recent_use as rule

# collected_at is 2026-11-20T08:00:00Z.
password_used(ts) := fx.root_with({"password_last_used": ts})

key_used := {
	"active": true,
	"last_rotated": "2017-02-11T09:30:00Z",
	"last_used_date": "2026-11-17T03:14:00Z",
	"last_used_region": "us-east-1",
	"last_used_service": "s3",
}

# The neglected account: console sign-in 9 days ago, key 1 used 3 days ago.
neglected := fx.root_with({"password_last_used": "2026-11-10T16:20:00Z", "access_key_1": key_used})

exception(patch) := object.union(
	{
		"account_id": fx.account_id,
		"scenario": "Close the legacy support plan",
		"allowed_event_names": ["ConsoleLogin"],
		"approver": "ciso@example.com",
		"starts": "2026-11-01",
		"expires": "2026-11-30",
	},
	patch,
)

with_exceptions(list) := fx.requirements_with({"root_use_exceptions": list})

test_old_use_passes if {
	count(rule.deny) == 0 with input as fx.base_input with data.requirements as fx.requirements
}

test_never_used_passes if {
	inp := fx.root_with({"password_last_used": "N/A"})
	count(rule.deny) == 0 with input as inp with data.requirements as fx.requirements
}

test_markers_are_not_uses if {
	key := object.union(key_used, {"last_used_date": "no_information", "last_used_service": "N/A", "last_used_region": "N/A"})
	inp := fx.root_with({"password_last_used": "no_information", "access_key_1": key, "access_key_2": fx.no_key})
	count(rule.deny) == 0 with input as inp with data.requirements as fx.requirements
}

test_recent_console_use_fails if {
	denies := rule.deny with input as password_used("2026-11-10T16:20:00Z") with data.requirements as fx.requirements
	count(denies) == 1
	some f in denies
	f.account_id == fx.account_id
	f.resource == fx.root_arn
	f.message == "Root password was last used at 2026-11-10T16:20:00Z (9 days ago), within the 90-day lookback and outside any approved root-use exception."
	f.evidence == {
		"credential": "password",
		"last_used": "2026-11-10T16:20:00Z",
		"days_ago": 9,
		"lookback_days": 90,
		"exceptions_for_account": [],
	}
}

test_recent_key_use_fails_with_service_and_region if {
	denies := rule.deny with input as fx.root_with({"access_key_2": key_used}) with data.requirements as fx.requirements
	count(denies) == 1
	some f in denies
	f.message == "Root access key 2 was last used at 2026-11-17T03:14:00Z (3 days ago) for s3 in us-east-1, within the 90-day lookback and outside any approved root-use exception."
	f.evidence.slot == 2
	f.evidence.service == "s3"
	f.evidence.region == "us-east-1"
	f.evidence.days_ago == 3
	not f.evidence.key_id_last4
}

test_recent_key_use_names_last4_when_known if {
	inp := fx.root_with({"access_key_1": object.union(key_used, {"key_id_last4": "WXYZ"})})
	denies := rule.deny with input as inp with data.requirements as fx.requirements
	some f in denies
	f.evidence.key_id_last4 == "WXYZ"
	startswith(f.message, "Root access key 1 (ending WXYZ) was last used")
}

test_deactivated_key_recent_use_still_counts if {
	inp := fx.root_with({"access_key_1": object.union(key_used, {"active": false})})
	count(rule.deny) == 1 with input as inp with data.requirements as fx.requirements
}

test_each_recent_credential_fails if {
	denies := rule.deny with input as neglected with data.requirements as fx.requirements
	count(denies) == 2
	{f.evidence.credential | some f in denies} == {"password", "access key 1"}
}

test_exactly_lookback_days_ago_passes if {
	count(rule.deny) == 0 with input as password_used("2026-08-22T08:00:00Z") with data.requirements as fx.requirements
}

test_just_inside_lookback_fails if {
	denies := rule.deny with input as password_used("2026-08-22T08:00:01Z") with data.requirements as fx.requirements
	count(denies) == 1
	some f in denies
	f.evidence.days_ago == 89
}

test_lookback_of_one_day if {
	reqs := fx.requirements_with({"lookback_days": 1})
	count(rule.deny) == 1 with input as password_used("2026-11-19T08:00:01Z") with data.requirements as reqs
	count(rule.deny) == 0 with input as password_used("2026-11-19T08:00:00Z") with data.requirements as reqs
}

test_longer_lookback_from_requirements if {
	reqs := fx.requirements_with({"lookback_days": 400})
	denies := rule.deny with input as fx.base_input with data.requirements as reqs
	count(denies) == 1
	some f in denies
	f.evidence.lookback_days == 400
	f.evidence.days_ago == 199
}

test_use_inside_exception_passes if {
	count(rule.deny) == 0 with input as password_used("2026-11-10T16:20:00Z")
		with data.requirements as with_exceptions([exception({})])
}

test_exception_without_start_covers_earlier_use if {
	ex := json.remove(exception({}), ["starts"])
	count(rule.deny) == 0 with input as password_used("2026-09-01T00:00:00Z")
		with data.requirements as with_exceptions([ex])
}

test_exception_with_null_start_is_unbounded if {
	count(rule.deny) == 0 with input as password_used("2026-09-01T00:00:00Z")
		with data.requirements as with_exceptions([exception({"starts": null})])
}

test_exception_expired_before_use_fails if {
	reqs := with_exceptions([exception({"expires": "2026-11-09"})])
	denies := rule.deny with input as password_used("2026-11-10T16:20:00Z") with data.requirements as reqs
	count(denies) == 1
	some f in denies
	f.evidence.exceptions_for_account == [{
		"scenario": "Close the legacy support plan",
		"starts": "2026-11-01",
		"expires": "2026-11-09",
	}]
}

test_exception_expires_at_end_of_day if {
	reqs := with_exceptions([exception({"expires": "2026-11-10"})])
	count(rule.deny) == 0 with input as password_used("2026-11-10T23:59:59Z") with data.requirements as reqs
	count(rule.deny) == 1 with input as password_used("2026-11-11T00:00:00Z") with data.requirements as reqs
}

test_exception_starts_at_start_of_day if {
	reqs := with_exceptions([exception({"starts": "2026-11-10"})])
	count(rule.deny) == 0 with input as password_used("2026-11-10T00:00:00Z") with data.requirements as reqs
	count(rule.deny) == 1 with input as password_used("2026-11-09T23:59:59Z") with data.requirements as reqs
}

test_exception_that_has_since_expired_still_covers_its_use if {
	# The use happened inside an approved window that is now over: it was approved.
	reqs := with_exceptions([exception({"starts": "2026-09-01", "expires": "2026-09-02"})])
	count(rule.deny) == 0 with input as password_used("2026-09-02T10:00:00Z") with data.requirements as reqs
}

test_exception_for_other_account_does_not_cover if {
	reqs := with_exceptions([exception({"account_id": "111111111111"})])
	denies := rule.deny with input as password_used("2026-11-10T16:20:00Z") with data.requirements as reqs
	count(denies) == 1
	some f in denies
	f.evidence.exceptions_for_account == []
}

test_exception_covering_sign_in_does_not_excuse_key_use if {
	reqs := with_exceptions([exception({"starts": "2026-11-10", "expires": "2026-11-10"})])
	denies := rule.deny with input as neglected with data.requirements as reqs
	count(denies) == 1
	some f in denies
	f.evidence.credential == "access key 1"
}

test_any_of_several_exceptions_covers if {
	reqs := with_exceptions([
		exception({"expires": "2026-11-05"}),
		exception({"starts": "2026-11-15", "expires": "2026-11-18"}),
	])
	denies := rule.deny with input as neglected with data.requirements as reqs
	count(denies) == 1
	some f in denies
	f.evidence.credential == "password"
	count(f.evidence.exceptions_for_account) == 2
}

test_use_after_collection_time_fails if {
	# A clock-skewed or future timestamp is still recent use.
	count(rule.deny) == 1 with input as password_used("2026-11-20T09:00:00Z") with data.requirements as fx.requirements
}

test_stale_report_is_insufficient_data if {
	inp := fx.generated(neglected, fx.stale_at)
	count(rule.deny) == 0 with input as inp with data.requirements as fx.requirements
	count(rule.insufficient_data) == 1 with input as inp with data.requirements as fx.requirements
}
