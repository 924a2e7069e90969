package rootwarden.rules.root_hardware_mfa_test

import rego.v1

import data.rootwarden.lib.root_fixtures as fx
import data.rootwarden.rules.root_hardware_mfa as rule

with_devices(devices) := fx.input_with({"iam": {"root_mfa_devices": devices}})

no_mfa := object.union(fx.root_with({"mfa_active": false}), {"account": {"iam": {"root_mfa_devices": []}}})

virtual_only := with_devices([fx.virtual_device])

accept_virtual := fx.requirements_with({"require_hardware_mfa": false})

test_hardware_device_passes if {
	count(rule.deny) == 0 with input as fx.base_input with data.requirements as fx.requirements
	count(rule.insufficient_data) == 0 with input as fx.base_input with data.requirements as fx.requirements
	count(rule.not_applicable) == 0 with input as fx.base_input with data.requirements as fx.requirements
}

test_two_hardware_devices_pass if {
	second := object.union(fx.hardware_device, {"serial_number": "arn:aws:iam::555566667777:u2f/root/key2"})
	inp := with_devices([fx.hardware_device, second])
	count(rule.deny) == 0 with input as inp with data.requirements as fx.requirements
	count(rule.insufficient_data) == 0 with input as inp with data.requirements as fx.requirements
}

test_virtual_device_fails if {
	denies := rule.deny with input as virtual_only with data.requirements as fx.requirements
	count(denies) == 1
	some f in denies
	f.account_id == fx.account_id
	f.resource == fx.root_arn
	f.message == "Root MFA device arn:aws:iam::555566667777:mfa/root-account-mfa-device is a virtual (authenticator app) device, not hardware."
	f.evidence == {
		"serial_number": "arn:aws:iam::555566667777:mfa/root-account-mfa-device",
		"kind": "virtual",
		"enable_date": "2021-06-01T12:00:00Z",
		"require_hardware_mfa": true,
	}
}

test_virtual_device_next_to_hardware_fails if {
	denies := rule.deny with input as with_devices([fx.hardware_device, fx.virtual_device])
		with data.requirements as fx.requirements
	count(denies) == 1
	some f in denies
	f.evidence.kind == "virtual"
}

test_virtual_device_without_enable_date if {
	device := {"serial_number": "arn:aws:iam::555566667777:mfa/root", "kind": "virtual"}
	denies := rule.deny with input as with_devices([device]) with data.requirements as fx.requirements
	some f in denies
	f.evidence.enable_date == null
}

test_no_mfa_fails if {
	denies := rule.deny with input as no_mfa with data.requirements as fx.requirements
	count(denies) == 1
	some f in denies
	f.evidence == {"mfa_active": false, "devices": []}
}

test_no_mfa_with_stale_device_list_fails_once_per_fact if {
	inp := object.union(no_mfa, {"account": {"iam": {"root_mfa_devices": [fx.virtual_device]}}})
	denies := rule.deny with input as inp with data.requirements as fx.requirements
	count(denies) == 2
}

test_mfa_active_but_no_device_listed_is_insufficient if {
	inp := with_devices([])
	count(rule.deny) == 0 with input as inp with data.requirements as fx.requirements
	ins := rule.insufficient_data with input as inp with data.requirements as fx.requirements
	count(ins) == 1
	some i in ins
	i.evidence == {"mfa_active": true, "devices": []}
}

test_unknown_device_kind_is_insufficient if {
	inp := with_devices([{"serial_number": "X1", "kind": "passkey"}])
	count(rule.deny) == 0 with input as inp with data.requirements as fx.requirements
	count(rule.insufficient_data) == 1 with input as inp with data.requirements as fx.requirements
}

test_virtual_accepted_by_requirements_not_applicable if {
	count(rule.deny) == 0 with input as virtual_only with data.requirements as accept_virtual
	count(rule.insufficient_data) == 0 with input as virtual_only with data.requirements as accept_virtual
	nas := rule.not_applicable with input as virtual_only with data.requirements as accept_virtual
	count(nas) == 1
	some na in nas
	na.evidence == {"require_hardware_mfa": false}
}

test_no_mfa_with_virtual_accepted_not_applicable if {
	# The missing MFA itself is RW-ROOT-003's finding.
	count(rule.deny) == 0 with input as no_mfa with data.requirements as accept_virtual
	count(rule.not_applicable) == 1 with input as no_mfa with data.requirements as accept_virtual
}

test_unknown_kind_with_virtual_accepted_not_applicable if {
	inp := with_devices([])
	count(rule.insufficient_data) == 0 with input as inp with data.requirements as accept_virtual
	count(rule.not_applicable) == 1 with input as inp with data.requirements as accept_virtual
}

test_credentialless_member_not_applicable if {
	count(rule.deny) == 0 with input as fx.credentialless_member with data.requirements as fx.requirements
	count(rule.insufficient_data) == 0 with input as fx.credentialless_member
		with data.requirements as fx.requirements
	nas := rule.not_applicable with input as fx.credentialless_member with data.requirements as fx.requirements
	count(nas) == 1
	some na in nas
	na.evidence.root_login_profile == "absent"
}

test_member_with_password_and_no_mfa_fails if {
	inp := fx.member_with({"account": {"iam": {"root_login_profile": "present"}}})
	count(rule.deny) == 1 with input as inp with data.requirements as fx.requirements
	count(rule.not_applicable) == 0 with input as inp with data.requirements as fx.requirements
}

test_member_with_virtual_device_and_password_fails if {
	inp := fx.member_with({"account": {"iam": {
		"root_login_profile": "present",
		"credential_report": {"root": {"mfa_active": true}},
		"account_summary": {"account_mfa_enabled": true},
		"root_mfa_devices": [fx.virtual_device],
	}}})
	denies := rule.deny with input as inp with data.requirements as fx.requirements
	count(denies) == 1
	some f in denies
	f.evidence.kind == "virtual"
}

test_mfa_removed_after_the_report_fails if {
	inp := object.union(fx.base_input, {"account": {"iam": {"account_summary": {"account_mfa_enabled": false}}}})
	denies := rule.deny with input as inp with data.requirements as fx.requirements
	count(denies) == 1
	some f in denies
	f.message == "The account summary says root MFA is not enabled now, so root has no hardware MFA device."
}

test_stale_report_is_insufficient_data_but_a_virtual_device_still_fails if {
	stale := fx.generated(fx.base_input, fx.stale_at)
	count(rule.deny) == 0 with input as stale with data.requirements as fx.requirements
	count(rule.insufficient_data) == 1 with input as stale with data.requirements as fx.requirements
	virtual := fx.generated(virtual_only, fx.stale_at)
	count(rule.deny) == 1 with input as virtual with data.requirements as fx.requirements
	# Not applicable stays not applicable: the control does not rest on the report then.
	count(rule.insufficient_data) == 0 with input as stale with data.requirements as accept_virtual
}
