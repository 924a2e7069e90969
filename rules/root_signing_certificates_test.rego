package rootwarden.rules.root_signing_certificates_test

import rego.v1

import data.rootwarden.lib.root_fixtures as fx
import data.rootwarden.rules.root_signing_certificates as rule

active_cert := {"active": true, "last_rotated": "2016-04-01T08:00:00Z"}

inactive_cert := {"active": false, "last_rotated": "2016-04-01T08:00:00Z"}

test_pass_without_certificates if {
	count(rule.deny) == 0 with input as fx.base_input with data.requirements as fx.requirements
}

test_active_certificate_fails if {
	denies := rule.deny with input as fx.root_with({"cert_1": active_cert})
		with data.requirements as fx.requirements
	count(denies) == 1
	some f in denies
	f.account_id == fx.account_id
	f.resource == fx.root_arn
	f.message == "Root signing certificate 1 is active; delete it."
	f.evidence == {
		"slot": 1,
		"active": true,
		"last_rotated": "2016-04-01T08:00:00Z",
		"certificates_from": "the credential report generated at 2026-11-20T07:58:31Z",
	}
}

test_each_active_certificate_fails if {
	denies := rule.deny with input as fx.root_with({"cert_1": active_cert, "cert_2": active_cert})
		with data.requirements as fx.requirements
	count(denies) == 2
	{f.evidence.slot | some f in denies} == {1, 2}
}

test_inactive_certificate_passes if {
	inp := object.union(
		fx.root_with({"cert_2": inactive_cert}),
		{"account": {"iam": {"account_summary": {"account_signing_certificates_present": true}}}},
	)
	count(rule.deny) == 0 with input as inp with data.requirements as fx.requirements
}

test_active_certificate_without_rotation_date_fails if {
	count(rule.deny) == 1 with input as fx.root_with({"cert_2": {"active": true, "last_rotated": "N/A"}})
		with data.requirements as fx.requirements
}

test_account_summary_reports_certificate_missing_from_report if {
	inp := fx.input_with({"iam": {"account_summary": {"account_signing_certificates_present": true}}})
	denies := rule.deny with input as inp with data.requirements as fx.requirements
	count(denies) == 1
	some f in denies
	contains(f.message, "may be stale")
	f.evidence.account_signing_certificates_present == true
	f.evidence.credential_report_generated_at == "2026-11-20T07:58:31Z"
	f.evidence.cert_1 == fx.no_cert
}

test_account_summary_agrees_with_active_certificate if {
	inp := object.union(
		fx.root_with({"cert_1": active_cert}),
		{"account": {"iam": {"account_summary": {"account_signing_certificates_present": true}}}},
	)
	count(rule.deny) == 1 with input as inp with data.requirements as fx.requirements
}

test_account_summary_unknown_judges_report_only if {
	inp := fx.input_with({"iam": {"account_summary": null}})
	count(rule.deny) == 0 with input as inp with data.requirements as fx.requirements
}

test_access_keys_are_not_certificates if {
	key := {
		"active": true,
		"last_rotated": "2017-02-11T09:30:00Z",
		"last_used_date": "N/A",
		"last_used_region": "N/A",
		"last_used_service": "N/A",
	}
	count(rule.deny) == 0 with input as fx.root_with({"access_key_1": key})
		with data.requirements as fx.requirements
}

test_stale_report_is_insufficient_data if {
	inp := fx.generated(fx.root_with({"cert_1": active_cert}), fx.stale_at)
	count(rule.deny) == 0 with input as inp with data.requirements as fx.requirements
	count(rule.insufficient_data) == 1 with input as inp with data.requirements as fx.requirements
}

test_stale_report_still_fails_on_a_certificate_the_current_summary_reports if {
	inp := fx.generated(
		object.union(fx.base_input, {"account": {"iam": {"account_summary": {"account_signing_certificates_present": true}}}}),
		fx.stale_at,
	)
	count(rule.deny) == 1 with input as inp with data.requirements as fx.requirements
}
