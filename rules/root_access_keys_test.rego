package rootwarden.rules.root_access_keys_test

import rego.v1

import data.rootwarden.lib.root_fixtures as fx
import data.rootwarden.rules.root_access_keys as rule

used_key := {
	"active": true,
	"last_rotated": "2017-02-11T09:30:00Z",
	"last_used_date": "2026-11-17T03:14:00Z",
	"last_used_region": "us-east-1",
	"last_used_service": "s3",
}

disabled_key := {
	"active": false,
	"last_rotated": "2018-07-02T11:00:00Z",
	"last_used_date": "2019-01-05T10:00:00Z",
	"last_used_region": "eu-west-1",
	"last_used_service": "ec2",
}

# Slot 2 holds a deactivated key; the account summary agrees that a key exists.
disabled_in_slot_2 := object.union(
	fx.root_with({"access_key_2": disabled_key}),
	{"account": {"iam": {"account_summary": {"account_access_keys_present": true}}}},
)

retained(patch) := fx.requirements_with({"retained_root_keys": [object.union(
	{
		"account_id": fx.account_id,
		"key_last4": "Q7ZD",
		"slot": 2,
		"justification": "Legacy billing export (CHG-4412)",
		"decommission_date": "2027-03-31",
	},
	patch,
)]})

test_pass_when_no_key_slot_is_used if {
	count(rule.deny) == 0 with input as fx.base_input with data.requirements as fx.requirements
}

test_active_key_fails if {
	denies := rule.deny with input as fx.root_with({"access_key_1": used_key})
		with data.requirements as fx.requirements
	count(denies) == 1
	some f in denies
	f.account_id == fx.account_id
	f.resource == fx.root_arn
	f.message == "Root access key 1 is active; delete it."
	f.evidence == {
		"slot": 1,
		"active": true,
		"last_rotated": "2017-02-11T09:30:00Z",
		"last_used_date": "2026-11-17T03:14:00Z",
		"last_used_service": "s3",
		"last_used_region": "us-east-1",
		"keys_from": "the credential report generated at 2026-11-20T07:58:31Z",
	}
}

test_active_key_evidence_names_only_last4 if {
	key := object.union(used_key, {"key_id_last4": "WXYZ"})
	denies := rule.deny with input as fx.root_with({"access_key_1": key})
		with data.requirements as fx.requirements
	some f in denies
	f.message == "Root access key 1 (ending WXYZ) is active; delete it."
	f.evidence.key_id_last4 == "WXYZ"
	object.keys(f.evidence) == {
		"slot", "active", "last_rotated", "last_used_date",
		"last_used_service", "last_used_region", "key_id_last4", "keys_from",
	}
}

test_active_key_never_used_fails if {
	key := object.union(used_key, {"last_used_date": "N/A", "last_used_region": "N/A", "last_used_service": "N/A"})
	denies := rule.deny with input as fx.root_with({"access_key_2": key})
		with data.requirements as fx.requirements
	count(denies) == 1
	some f in denies
	f.evidence.slot == 2
	f.evidence.last_used_date == "N/A"
}

test_active_key_without_rotation_date_still_exists if {
	key := object.union(used_key, {"last_rotated": "N/A"})
	count(rule.deny) == 1 with input as fx.root_with({"access_key_1": key})
		with data.requirements as fx.requirements
}

test_deactivated_key_not_retained_fails if {
	denies := rule.deny with input as disabled_in_slot_2 with data.requirements as fx.requirements
	count(denies) == 1
	some f in denies
	f.message == "Root access key 2 is deactivated but still exists and is not listed in retained_root_keys; delete it."
	f.evidence.slot == 2
	f.evidence.active == false
	f.evidence.last_rotated == "2018-07-02T11:00:00Z"
	not f.evidence.retained_until
}

test_empty_slot_markers_are_not_keys if {
	slot := object.union(fx.no_key, {"last_rotated": "no_information"})
	count(rule.deny) == 0 with input as fx.root_with({"access_key_1": slot, "access_key_2": fx.no_key})
		with data.requirements as fx.requirements
}

test_both_slots_fail_separately if {
	denies := rule.deny with input as fx.root_with({"access_key_1": used_key, "access_key_2": disabled_key})
		with data.requirements as fx.requirements
	count(denies) == 2
	{f.evidence.slot | some f in denies} == {1, 2}
}

test_retained_by_slot_when_key_id_unknown_passes if {
	count(rule.deny) == 0 with input as disabled_in_slot_2 with data.requirements as retained({})
}

test_retained_entry_for_other_slot_does_not_exempt if {
	count(rule.deny) == 1 with input as disabled_in_slot_2 with data.requirements as retained({"slot": 1})
}

test_retained_entry_without_slot_cannot_match_unknown_key_id if {
	reqs := fx.requirements_with({"retained_root_keys": [{
		"account_id": fx.account_id,
		"key_last4": "Q7ZD",
		"justification": "kept",
		"decommission_date": "2027-03-31",
	}]})
	count(rule.deny) == 1 with input as disabled_in_slot_2 with data.requirements as reqs
}

test_retained_entry_for_other_account_does_not_exempt if {
	count(rule.deny) == 1 with input as disabled_in_slot_2
		with data.requirements as retained({"account_id": "111111111111"})
}

test_retained_by_key_id_passes_whatever_the_slot if {
	inp := object.union(disabled_in_slot_2, {"account": {"iam": {"credential_report": {"root": {"access_key_2": {"key_id_last4": "Q7ZD"}}}}}})
	count(rule.deny) == 0 with input as inp with data.requirements as retained({"slot": 1})
}

test_known_key_id_must_match_even_if_slot_matches if {
	inp := object.union(disabled_in_slot_2, {"account": {"iam": {"credential_report": {"root": {"access_key_2": {"key_id_last4": "AAAA"}}}}}})
	denies := rule.deny with input as inp with data.requirements as retained({})
	count(denies) == 1
	some f in denies
	f.evidence.key_id_last4 == "AAAA"
	contains(f.message, "not listed in retained_root_keys")
}

test_retained_until_collection_day_passes if {
	# Decommission dates are inclusive: the key may exist all of 2026-11-20 (UTC).
	count(rule.deny) == 0 with input as disabled_in_slot_2
		with data.requirements as retained({"decommission_date": "2026-11-20"})
}

test_retained_until_last_second_of_day_passes if {
	inp := object.union(disabled_in_slot_2, {"collected_at": "2026-11-20T23:59:59Z"})
	count(rule.deny) == 0 with input as inp
		with data.requirements as retained({"decommission_date": "2026-11-20"})
}

test_retention_expired_fails_with_evidence if {
	denies := rule.deny with input as disabled_in_slot_2
		with data.requirements as retained({"decommission_date": "2026-11-19"})
	count(denies) == 1
	some f in denies
	f.message == "Root access key 2 is deactivated but its retention ended on 2026-11-19; delete it."
	f.evidence.retained_until == "2026-11-19"
	f.evidence.retention_expired == true
	f.evidence.justification == "Legacy billing export (CHG-4412)"
}

test_retention_expires_after_end_of_day if {
	inp := object.union(disabled_in_slot_2, {"collected_at": "2026-11-21T00:00:00Z"})
	count(rule.deny) == 1 with input as inp
		with data.requirements as retained({"decommission_date": "2026-11-20"})
}

test_one_valid_retention_among_expired_ones_exempts if {
	entry := {
		"account_id": fx.account_id,
		"key_last4": "Q7ZD",
		"slot": 2,
		"justification": "kept",
		"decommission_date": "2025-01-01",
	}
	reqs := fx.requirements_with({"retained_root_keys": [entry, object.union(entry, {"decommission_date": "2027-01-01"})]})
	count(rule.deny) == 0 with input as disabled_in_slot_2 with data.requirements as reqs
}

test_active_key_is_never_exempt if {
	inp := fx.root_with({"access_key_2": object.union(disabled_key, {"active": true})})
	denies := rule.deny with input as inp with data.requirements as retained({})
	count(denies) == 1
	some f in denies
	f.message == "Root access key 2 is active, and retained_root_keys only covers deactivated keys; delete it."
	f.evidence.retained_until == "2027-03-31"
	f.evidence.retention_expired == false
}

test_retained_key_does_not_cover_the_other_slot if {
	inp := object.union(disabled_in_slot_2, fx.root_with({"access_key_1": disabled_key}))
	denies := rule.deny with input as inp with data.requirements as retained({})
	count(denies) == 1
	some f in denies
	f.evidence.slot == 1
}

test_account_summary_reports_key_missing_from_report if {
	inp := fx.input_with({"iam": {"account_summary": {"account_access_keys_present": true}}})
	denies := rule.deny with input as inp with data.requirements as fx.requirements
	count(denies) == 1
	some f in denies
	f.resource == fx.root_arn
	contains(f.message, "may be stale")
	contains(f.message, "2026-11-20T07:58:31Z")
	f.evidence.account_access_keys_present == true
	f.evidence.credential_report_generated_at == "2026-11-20T07:58:31Z"
}

test_account_summary_agrees_with_report_no_extra_finding if {
	inp := object.union(
		fx.root_with({"access_key_1": used_key}),
		{"account": {"iam": {"account_summary": {"account_access_keys_present": true}}}},
	)
	count(rule.deny) == 1 with input as inp with data.requirements as fx.requirements
}

test_account_summary_unknown_passes_on_report if {
	inp := fx.input_with({"iam": {"account_summary": null}})
	count(rule.deny) == 0 with input as inp with data.requirements as fx.requirements
}

test_resource_uses_partition if {
	inp := object.union(fx.root_with({"access_key_1": used_key}), {"account": {"partition": "aws-us-gov"}})
	denies := rule.deny with input as inp with data.requirements as fx.requirements
	some f in denies
	f.resource == "arn:aws-us-gov:iam::555566667777:root"
}

test_stale_report_is_insufficient_data_with_its_age if {
	inp := fx.generated(fx.root_with({"access_key_1": used_key}), fx.stale_at)
	count(rule.deny) == 0 with input as inp with data.requirements as fx.requirements
	entries := rule.insufficient_data with input as inp with data.requirements as fx.requirements
	count(entries) == 1
	some e in entries
	contains(e.message, "generated at 2025-10-01T06:00:00Z, 9962 hours (415 days) before the snapshot was collected")
	e.evidence.age_hours == 9962
}

test_stale_report_still_fails_on_a_key_the_current_summary_reports if {
	inp := fx.generated(
		object.union(fx.base_input, {"account": {"iam": {"account_summary": {"account_access_keys_present": true}}}}),
		fx.stale_at,
	)
	denies := rule.deny with input as inp with data.requirements as fx.requirements
	count(denies) == 1
	some f in denies
	startswith(f.message, "The account summary reports a root access key; the credential report generated at 2025-10-01T06:00:00Z is too old to say which")
}

test_a_report_under_24_hours_old_is_used if {
	inp := fx.generated(fx.root_with({"access_key_1": used_key}), "2026-11-19T08:30:00Z")
	count(rule.deny) == 1 with input as inp with data.requirements as fx.requirements
	count(rule.insufficient_data) == 0 with input as inp with data.requirements as fx.requirements
}

test_a_report_dated_after_collection_is_insufficient_data if {
	inp := fx.generated(fx.base_input, "2026-11-21T08:00:00Z")
	entries := rule.insufficient_data with input as inp with data.requirements as fx.requirements
	some e in entries
	contains(e.message, "after the snapshot was collected")
}
