# The root rules with facts an --audit-root session (sts:AssumeRoot, IAMAuditRootUserCredentials)
# read first hand: they take precedence over the credential report, whose root password cell says
# not_supported and whose key state may be four hours old.
package rootwarden.lib.root_audit_test

import rego.v1

import data.rootwarden.lib.root_fixtures as fx
import data.rootwarden.rules.root_access_keys as keys_rule
import data.rootwarden.rules.root_hardware_mfa as hardware_rule
import data.rootwarden.rules.root_mfa as mfa_rule
import data.rootwarden.rules.root_signing_certificates as certs_rule

session := "the root session (sts:AssumeRoot) at 2026-11-20T07:59:40Z"

active_key := {"key_id_last4": "KEY1", "status": "Active", "create_date": "2019-05-01T00:00:00Z"}

inactive_key := {"key_id_last4": "KEY2", "status": "Inactive", "create_date": "2021-02-03T00:00:00Z"}

virtual := {
	"serial_number": "arn:aws:iam::555566667777:mfa/root-account-mfa-device",
	"kind": "virtual",
	"enable_date": "2021-06-01T12:00:00Z",
}

hardware := {"serial_number": "GAHT10045981", "kind": "hardware", "enable_date": "2020-01-15T12:00:00Z"}

unknown := {"serial_number": "arn:aws:iam::555566667777:sms/root", "kind": "unknown"}

# Every root rule's verdict entries, evaluated with `with input as ...`.
results := {
	"mfa": {"deny": mfa_rule.deny, "na": mfa_rule.not_applicable},
	"hardware": {"deny": hardware_rule.deny, "na": hardware_rule.not_applicable, "id": hardware_rule.insufficient_data},
	"keys": keys_rule.deny,
	"certs": certs_rule.deny,
}

test_member_without_password_and_keys_mfa_rules_not_applicable if {
	# The report (stale) still shows MFA and no password cell; the session says nothing is left.
	inp := fx.audited_member("absent", {})
	r := results with input as inp with data.requirements as fx.requirements
	count(r.mfa.deny) == 0
	count(r.mfa.na) == 1
	count(r.hardware.deny) == 0
	count(r.hardware.na) == 1
	some na in r.mfa.na
	na.evidence.keys_from == session
	count(r.keys) == 0
	count(r.certs) == 0
}

test_member_with_password_and_no_mfa_fails_though_the_report_shows_mfa if {
	inp := fx.audited_member("present", {})
	r := results with input as inp with data.requirements as fx.requirements
	count(r.mfa.na) == 0
	count(r.mfa.deny) == 1
	some f in r.mfa.deny
	f.message == "The root user has a password and no MFA device; a stolen root password alone signs in."
	f.evidence.mfa_from == session
	f.evidence.root_login_profile == "present"
	# And it has no hardware MFA either.
	count(r.hardware.deny) == 1
}

test_key_listed_by_the_session_fails_though_the_report_shows_none if {
	inp := fx.audited_member("absent", {"access_keys": [inactive_key, active_key]})
	r := results with input as inp with data.requirements as fx.requirements
	count(r.keys) == 2
	messages := {f.message | some f in r.keys}
	messages == {
		"Root access key 1 (ending KEY2) is deactivated but still exists and is not listed in retained_root_keys; delete it.",
		"Root access key 2 (ending KEY1) is active; delete it.",
	}
	every f in r.keys {
		f.evidence.keys_from == session
		f.evidence.last_used_date == null
	}
	# A root with an access key has credentials: the MFA rules apply again.
	count(r.mfa.na) == 0
	count(r.mfa.deny) == 1
}

test_retained_key_named_by_last4_from_the_session_is_accepted if {
	inp := fx.audited_member("absent", {"access_keys": [inactive_key]})
	req := fx.requirements_with({"retained_root_keys": [{
		"account_id": fx.account_id,
		"key_last4": "KEY2",
		"justification": "legacy export",
		"decommission_date": "2027-03-31",
	}]})
	count(keys_rule.deny) == 0 with input as inp with data.requirements as req
}

test_report_key_gone_in_the_session_passes if {
	stale := {
		"active": true,
		"last_rotated": "2017-02-11T09:30:00Z",
		"last_used_date": "N/A",
		"last_used_region": "N/A",
		"last_used_service": "N/A",
	}
	inp := object.union(
		fx.audited_member("absent", {}),
		{"account": {"iam": {"credential_report": {"root": {"access_key_1": stale}}}}},
	)
	r := results with input as inp with data.requirements as fx.requirements
	count(r.keys) == 0
	count(r.mfa.na) == 1
}

test_a_failed_list_falls_back_to_the_report if {
	stale := {
		"active": true,
		"last_rotated": "2017-02-11T09:30:00Z",
		"last_used_date": "N/A",
		"last_used_region": "N/A",
		"last_used_service": "N/A",
	}
	inp := object.union(
		fx.audited_member("absent", {"access_keys": null}),
		{"account": {"iam": {"credential_report": {"root": {"access_key_1": stale}}}}},
	)
	r := results with input as inp with data.requirements as fx.requirements
	count(r.keys) == 1
	some f in r.keys
	f.evidence.keys_from == "the credential report generated at 2026-11-20T07:58:31Z"
	# The report's key keeps the MFA rules applicable.
	count(r.mfa.na) == 0
}

test_summary_key_the_session_did_not_list if {
	inp := object.union(
		fx.audited_member("absent", {}),
		{"account": {"iam": {"account_summary": {"account_access_keys_present": true}}}},
	)
	r := results with input as inp with data.requirements as fx.requirements
	count(r.keys) == 1
	some f in r.keys
	contains(f.message, session)
	contains(f.message, "a key may have been created since")
}

test_active_certificate_from_the_session_fails if {
	cert := {"certificate_id_last4": "C001", "status": "Active", "upload_date": "2018-01-01T00:00:00Z"}
	inp := fx.audited_member("absent", {"signing_certificates": [cert]})
	r := results with input as inp with data.requirements as fx.requirements
	count(r.certs) == 1
	some f in r.certs
	f.message == "Root signing certificate 1 (ending C001) is active; delete it."
	f.evidence.certificates_from == session
	count(r.mfa.na) == 0
}

test_inactive_certificate_from_the_session_keeps_credentialless if {
	cert := {"certificate_id_last4": "C001", "status": "Inactive"}
	inp := fx.audited_member("absent", {"signing_certificates": [cert]})
	r := results with input as inp with data.requirements as fx.requirements
	count(r.certs) == 0
	count(r.mfa.na) == 1
}

test_virtual_device_listed_by_the_session_fails_hardware_mfa if {
	inp := fx.audited_member("present", {"mfa_devices": [hardware, virtual]})
	r := results with input as inp with data.requirements as fx.requirements
	count(r.mfa.deny) == 0
	count(r.hardware.deny) == 1
	some f in r.hardware.deny
	f.evidence.kind == "virtual"
}

test_hardware_device_listed_by_the_session_passes if {
	inp := fx.audited_member("present", {"mfa_devices": [hardware]})
	r := results with input as inp with data.requirements as fx.requirements
	count(r.mfa.deny) == 0
	count(r.hardware.deny) == 0
	count(r.hardware.id) == 0
}

test_device_of_unknown_kind_is_never_counted_as_hardware if {
	inp := fx.audited_member("present", {"mfa_devices": [hardware, unknown]})
	r := results with input as inp with data.requirements as fx.requirements
	count(r.hardware.deny) == 0
	count(r.hardware.id) == 1
	only_unknown := fx.audited_member("present", {"mfa_devices": [unknown]})
	r2 := results with input as only_unknown with data.requirements as fx.requirements
	count(r2.hardware.id) >= 1
}

test_session_mfa_disagreeing_with_the_summary_fails if {
	inp := object.union(
		fx.audited_member("present", {"mfa_devices": [hardware]}),
		{"account": {"iam": {"account_summary": {"account_mfa_enabled": false}}}},
	)
	r := results with input as inp with data.requirements as fx.requirements
	count(r.mfa.deny) == 1
	some f in r.mfa.deny
	startswith(f.message, "The root session (sts:AssumeRoot) at 2026-11-20T07:59:40Z shows root MFA")
}

test_null_audit_is_not_an_audit if {
	inp := fx.input_with({"iam": {"root_audit": null}})
	r := results with input as inp with data.requirements as fx.requirements
	count(r.mfa.deny) == 0
	count(r.keys) == 0
}
