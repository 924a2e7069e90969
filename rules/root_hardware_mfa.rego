# METADATA
# title: Root user uses hardware MFA only
# description: >-
#   When the requirements ask for it (require_hardware_mfa, the default), every MFA device of the
#   root user must be a hardware device: a FIDO security key or a hardware TOTP token. A virtual
#   MFA device lives on a phone or laptop that is used, backed up and replaced like any other, so
#   the second factor of the most powerful identity in the account is only as safe as that
#   device. Any virtual device assigned to root fails the control, even next to a hardware one,
#   because either device signs in. In a member account audited with --audit-root, the devices
#   an sts:AssumeRoot session listed (ListMFADevices, every kind) are judged instead of the
#   virtual devices IAM lists and the report's mfa_active; a device whose serial number names no
#   known kind is never counted as hardware. The control does not apply when the requirements
#   accept virtual MFA, nor to a member account whose root credentials were removed through
#   centralized root access.
#   iam:GetAccountSummary, which is current, is compared with the report to catch MFA removed after
#   it was generated. Without a root session's device list, a credential report generated more
#   than 24 hours before collection (AWS regenerates it at most every 4 hours) cannot describe the
#   credentials now: the control then has insufficient data.
# custom:
#   id: RW-ROOT-004
#   severity: high
#   remediation: >-
#     Sign in as root, open Security credentials, choose Assign MFA device and register a FIDO
#     security key or a hardware TOTP token (ideally two, stored apart); then remove each virtual
#     device from the same page (CLI, signed in as root: `aws iam deactivate-mfa-device
#     --serial-number ARN` and `aws iam delete-virtual-mfa-device --serial-number
#     ARN`). For a member account that does not need root credentials, remove them through
#     centralized root access instead. If your organisation accepts virtual MFA for root, set
#     require_hardware_mfa to false in the requirements.
#   cis: ["1.6 (v1.4.0-v4.0.1)"]
#   aws_security_hub: ["IAM.6"]
#   requires: [credential_report, account_summary, root_mfa_devices]
package rootwarden.rules.root_hardware_mfa

import rego.v1

import data.rootwarden.lib.root
import data.rootwarden.lib.util

account_id := input.account.account_id

devices := root.mfa_devices

applicable if {
	data.requirements.require_hardware_mfa == true
	not root.no_root_credentials
}

device_summary := [{"serial_number": d.serial_number, "kind": d.kind} | some d in devices]

deny contains f if {
	applicable
	root.mfa_on == false
	f := {
		"account_id": account_id,
		"resource": util.root_arn,
		"message": "The root user has no MFA device, so it has no hardware MFA device.",
		"evidence": {"mfa_active": false, "devices": device_summary},
	}
}

deny contains f if {
	applicable
	some d in devices
	d.kind == "virtual"
	f := {
		"account_id": account_id,
		"resource": util.root_arn,
		"message": sprintf("Root MFA device %s is a virtual (authenticator app) device, not hardware.", [d.serial_number]),
		"evidence": {
			"serial_number": d.serial_number,
			"kind": d.kind,
			"enable_date": object.get(d, "enable_date", null),
			"require_hardware_mfa": true,
		},
	}
}

# GetAccountSummary is current: MFA removed after the credential report leaves no hardware device.
deny contains f if {
	applicable
	root.report_root.mfa_active == true
	input.account.iam.account_summary.account_mfa_enabled == false
	f := {
		"account_id": account_id,
		"resource": util.root_arn,
		"message": "The account summary says root MFA is not enabled now, so root has no hardware MFA device.",
		"evidence": {"account_mfa_enabled": false, "credential_report_generated_at": root.report_generated_at},
	}
}

insufficient_data contains root.stale_report if {
	applicable
	root.report_stale
	not root.audited("mfa_devices")
}

# mfa_active says a device exists, but the device list came back empty: its kind is unknown.
insufficient_data contains {
	"message": "The credential report shows root MFA, but no root MFA device was listed, so its kind is unknown.",
	"evidence": {"mfa_active": true, "devices": []},
} if {
	applicable
	root.mfa_on == true
	count(devices) == 0
}

# Devices were listed but none is of a known kind.
insufficient_data contains {
	"message": "No root MFA device is of a known kind (hardware or virtual).",
	"evidence": {"mfa_active": true, "devices": device_summary},
} if {
	applicable
	root.mfa_on == true
	count(devices) > 0
	not any_hardware
}

# A device of unknown kind next to hardware ones might be virtual: no pass on it.
insufficient_data contains {
	"message": sprintf("Root MFA device %s is of an unknown kind, so whether every root MFA device is hardware is unknown.", [d.serial_number]),
	"evidence": {"serial_number": d.serial_number, "kind": d.kind, "devices": device_summary},
} if {
	applicable
	any_hardware
	some d in devices
	d.kind == "unknown"
}

any_hardware if {
	some d in devices
	d.kind == "hardware"
}

not_applicable contains {
	"message": "The requirements accept virtual MFA for root (require_hardware_mfa is false).",
	"evidence": {"require_hardware_mfa": false},
} if {
	data.requirements.require_hardware_mfa == false
}

not_applicable contains {
	"message": "The root user has no credentials: they were removed through centralized root access.",
	"evidence": root.no_root_credentials_evidence,
} if {
	root.no_root_credentials
}
