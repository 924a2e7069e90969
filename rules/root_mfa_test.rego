package rootwarden.rules.root_mfa_test

import rego.v1

import data.rootwarden.lib.root_fixtures as fx
import data.rootwarden.rules.root_mfa as rule

no_mfa := object.union(
	fx.root_with({"mfa_active": false}),
	{"account": {"iam": {"account_summary": {"account_mfa_enabled": false}, "root_mfa_devices": []}}},
)

active_key := {
	"active": true,
	"last_rotated": "2017-02-11T09:30:00Z",
	"last_used_date": "N/A",
	"last_used_region": "N/A",
	"last_used_service": "N/A",
}

test_pass_with_mfa if {
	count(rule.deny) == 0 with input as fx.base_input with data.requirements as fx.requirements
	count(rule.not_applicable) == 0 with input as fx.base_input with data.requirements as fx.requirements
}

test_no_mfa_fails if {
	denies := rule.deny with input as no_mfa with data.requirements as fx.requirements
	count(denies) == 1
	some f in denies
	f.account_id == fx.account_id
	f.resource == fx.root_arn
	f.evidence.mfa_active == false
	f.evidence.password_last_used == "2026-05-04T09:12:44Z"
	f.evidence.root_login_profile == null
	f.evidence.existing_key_slots == []
	f.evidence.role == "standalone"
}

test_no_mfa_fails_without_login_profile_field if {
	# Older snapshots may omit root_login_profile altogether.
	inp := json.remove(no_mfa, ["account/iam/root_login_profile"])
	denies := rule.deny with input as inp with data.requirements as fx.requirements
	count(denies) == 1
	some f in denies
	f.evidence.root_login_profile == null
}

test_credentialless_member_not_applicable if {
	count(rule.deny) == 0 with input as fx.credentialless_member with data.requirements as fx.requirements
	nas := rule.not_applicable with input as fx.credentialless_member with data.requirements as fx.requirements
	count(nas) == 1
	some na in nas
	na.evidence == {
		"role": "member",
		"root_credentials_management": true,
		"root_login_profile": "absent",
		"existing_key_slots": [],
		"active_cert_slots": [],
		"keys_from": "the credential report generated at 2026-11-20T07:58:31Z",
	}
}

test_member_with_password_fails if {
	inp := fx.member_with({"account": {"iam": {"root_login_profile": "present"}}})
	count(rule.deny) == 1 with input as inp with data.requirements as fx.requirements
	count(rule.not_applicable) == 0 with input as inp with data.requirements as fx.requirements
}

test_member_with_unknown_login_profile_fails if {
	inp := fx.member_with({"account": {"iam": {"root_login_profile": null}}})
	count(rule.deny) == 1 with input as inp with data.requirements as fx.requirements
}

test_member_without_root_credentials_management_fails if {
	# Without RootCredentialsManagement the root password can be recovered by email.
	inp := fx.member_with({"organization": {"root_access": {"root_credentials_management": false}}})
	count(rule.deny) == 1 with input as inp with data.requirements as fx.requirements
}

test_member_with_unreadable_org_root_access_fails if {
	inp := fx.member_with({"organization": {"root_access": null}})
	count(rule.deny) == 1 with input as inp with data.requirements as fx.requirements
	count(rule.not_applicable) == 0 with input as inp with data.requirements as fx.requirements
}

test_member_without_organization_facts_fails if {
	inp := fx.member_with({"organization": null})
	count(rule.deny) == 1 with input as inp with data.requirements as fx.requirements
}

test_member_with_access_key_fails if {
	inp := fx.member_with({"account": {"iam": {"credential_report": {"root": {"access_key_1": active_key}}}}})
	denies := rule.deny with input as inp with data.requirements as fx.requirements
	count(denies) == 1
	some f in denies
	f.evidence.existing_key_slots == [1]
}

test_member_with_deactivated_key_fails if {
	key := object.union(active_key, {"active": false})
	inp := fx.member_with({"account": {"iam": {"credential_report": {"root": {"access_key_2": key}}}}})
	count(rule.deny) == 1 with input as inp with data.requirements as fx.requirements
}

test_member_with_active_certificate_fails if {
	cert := {"active": true, "last_rotated": "2016-04-01T08:00:00Z"}
	inp := fx.member_with({"account": {"iam": {"credential_report": {"root": {"cert_1": cert}}}}})
	count(rule.deny) == 1 with input as inp with data.requirements as fx.requirements
}

test_member_with_inactive_certificate_still_not_applicable if {
	cert := {"active": false, "last_rotated": "2016-04-01T08:00:00Z"}
	inp := fx.member_with({"account": {"iam": {"credential_report": {"root": {"cert_1": cert}}}}})
	count(rule.deny) == 0 with input as inp with data.requirements as fx.requirements
	count(rule.not_applicable) == 1 with input as inp with data.requirements as fx.requirements
}

test_management_account_never_not_applicable if {
	inp := fx.member_with({"account": {"role": "management", "account_id": "111111111111"}})
	count(rule.deny) == 1 with input as inp with data.requirements as fx.requirements
	count(rule.not_applicable) == 0 with input as inp with data.requirements as fx.requirements
}

test_standalone_without_password_still_needs_mfa if {
	inp := object.union(no_mfa, {"account": {"iam": {"root_login_profile": "absent"}}})
	count(rule.deny) == 1 with input as inp with data.requirements as fx.requirements
}

test_account_summary_says_mfa_removed_since_report if {
	inp := fx.input_with({"iam": {"account_summary": {"account_mfa_enabled": false}}})
	denies := rule.deny with input as inp with data.requirements as fx.requirements
	count(denies) == 1
	some f in denies
	contains(f.message, "2026-11-20T07:58:31Z")
	f.evidence == {
		"mfa_active": true,
		"mfa_from": "the credential report generated at 2026-11-20T07:58:31Z",
		"account_mfa_enabled": false,
		"credential_report_generated_at": "2026-11-20T07:58:31Z",
	}
}

test_account_summary_unknown_judges_report_only if {
	inp := fx.input_with({"iam": {"account_summary": null}})
	count(rule.deny) == 0 with input as inp with data.requirements as fx.requirements
}

test_mfa_enabled_since_report_still_fails_on_report if {
	# The report is the evidence this rule judges; a newer summary does not turn it into a pass.
	inp := object.union(no_mfa, {"account": {"iam": {"account_summary": {"account_mfa_enabled": true}}}})
	count(rule.deny) == 1 with input as inp with data.requirements as fx.requirements
}

test_stale_report_is_insufficient_data_never_not_applicable if {
	inp := fx.generated(no_mfa, fx.stale_at)
	count(rule.deny) == 0 with input as inp with data.requirements as fx.requirements
	count(rule.insufficient_data) == 1 with input as inp with data.requirements as fx.requirements
	# Whether a member has no root credentials rests on the report too.
	member := fx.generated(fx.credentialless_member, fx.stale_at)
	count(rule.not_applicable) == 0 with input as member with data.requirements as fx.requirements
	count(rule.insufficient_data) == 1 with input as member with data.requirements as fx.requirements
}
