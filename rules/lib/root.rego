# Shared facts about the root user's credentials, read from the credential report's <root_account>
# row and, where an --audit-root session read them first hand (input.account.iam.root_audit), from
# that session instead: the report says `not_supported` for root's password and may be four hours
# old. Rules using these helpers must declare `requires: [credential_report]`.
package rootwarden.lib.root

import rego.v1

import data.rootwarden.lib.util

# The credential report's <root_account> row; undefined when the report is stale, so that no
# verdict rests on it (rules then say insufficient data, see `stale_report`).
report_root := input.account.iam.credential_report.root if not report_stale

# When AWS generated the credential report.
report_generated_at := input.account.iam.credential_report.generated_at

# --- how old the report is -----------------------------------------------------------------------

# AWS generates a new credential report at most every 4 hours and serves the last one until then.
# A report much older than that at collection (a failed regeneration, a snapshot pieced together)
# no longer says which keys, certificates and MFA root has.
report_max_age_hours := 24

# A report dated after the collection is not one AWS served; a few minutes of clock skew are.
report_max_skew_ns := (15 * 60) * 1000000000

_hour_ns := 3600000000000

report_age_ns := util.now_ns - time.parse_rfc3339_ns(report_generated_at)

report_stale if report_age_ns > report_max_age_hours * _hour_ns

report_stale if report_age_ns < 0 - report_max_skew_ns

# The insufficient_data entry of a rule resting on the report, when the report is stale.
stale_report := {
	"message": _stale_message,
	"evidence": {
		"credential_report_generated_at": report_generated_at,
		"collected_at": input.collected_at,
		"age_hours": floor(report_age_ns / _hour_ns),
		"max_age_hours": report_max_age_hours,
	},
} if report_stale

_stale_message := sprintf(
	"The credential report was generated at %s, %d hours (%d days) before the snapshot was collected; AWS regenerates it at most every 4 hours, so a report over %d hours old cannot say what root's credentials are now.",
	[report_generated_at, floor(report_age_ns / _hour_ns), floor(report_age_ns / (24 * _hour_ns)), report_max_age_hours],
) if {
	report_age_ns >= 0
} else := sprintf(
	"The credential report is dated %s, after the snapshot was collected (%s): it is not a report AWS served at collection.",
	[report_generated_at, input.collected_at],
)

# Access key slots: slot number -> credential-report cells.
key_slots := {1: report_root.access_key_1, 2: report_root.access_key_2}

# Signing certificate slots: slot number -> credential-report cells.
cert_slots := {1: report_root.cert_1, 2: report_root.cert_2}

# A slot holds a credential when it is active or has a rotation timestamp (a deactivated one keeps
# its timestamp; an empty slot says `N/A`).
slot_exists(cells) if cells.active == true

slot_exists(cells) if util.is_timestamp(cells.last_rotated)

# Slot numbers holding an access key, active or not.
existing_key_slots contains slot if {
	some slot, cells in key_slots
	slot_exists(cells)
}

# Slot numbers holding an active access key.
active_key_slots contains slot if {
	some slot, cells in key_slots
	cells.active == true
}

# Slot numbers holding a signing certificate, active or not.
existing_cert_slots contains slot if {
	some slot, cells in cert_slots
	slot_exists(cells)
}

# Slot numbers holding an active signing certificate.
active_cert_slots contains slot if {
	some slot, cells in cert_slots
	cells.active == true
}

# The last four characters of a key slot's key id; undefined when the collector could not list
# keys ("not_listed").
key_last4(cells) := cells.key_id_last4 if {
	is_string(cells.key_id_last4)
	cells.key_id_last4 != "not_listed"
}

# How a key slot is named in messages: "access key 2" or "access key 2 (ending Q7ZD)".
key_label(slot, cells) := sprintf("access key %d (ending %s)", [slot, key_last4(cells)]) if {
	key_last4(cells)
} else := sprintf("access key %d", [slot])

# Evidence for one key slot: its credential-report cells and, when known, the key id's last four
# characters (never more of the key id).
key_evidence(slot, cells) := object.union(
	{
		"slot": slot,
		"active": cells.active,
		"last_rotated": cells.last_rotated,
		"last_used_date": cells.last_used_date,
		"last_used_service": cells.last_used_service,
		"last_used_region": cells.last_used_region,
	},
	{k: v | some k, v in {"key_id_last4": key_last4(cells)}},
)

# --- first-hand facts from an sts:AssumeRoot session (--audit-root) ------------------------------

# The session's facts; {} when the account was not audited (or the session was refused).
audit := a if {
	a := object.get(input.account.iam, "root_audit", null)
	is_object(a)
} else := {}

# Each list is null when its call failed: the report's facts stand in for it then.
audited(fact) if is_array(object.get(audit, fact, null))

# Where a credential fact comes from, for messages and evidence.
source(fact) := sprintf("the root session (sts:AssumeRoot) at %s", [audit.audited_at]) if {
	audited(fact)
} else := sprintf("the credential report generated at %s", [report_generated_at])

# Whether an IAM credential status is Active (anything else is not).
_status_active(c) := true if {
	c.status == "Active"
} else := false

# Root's access keys as the root rules judge them: slot -> cells (slot 1 is the oldest key). First
# hand from the session's ListAccessKeys when it answered; else the credential report's slots that
# hold a key. Cells the session cannot know (last use) are null.
keys := {i + 1: {
	"active": _status_active(k),
	"last_rotated": object.get(k, "create_date", null),
	"last_used_date": null,
	"last_used_region": null,
	"last_used_service": null,
	"key_id_last4": k.key_id_last4,
	"source": "assume_root_session",
} |
	some i, k in audit.access_keys
} if {
	audited("access_keys")
} else := {slot: cells | some slot in existing_key_slots; cells := key_slots[slot]}

# Root's signing certificates as the root rules judge them: slot -> cells, like `keys`.
certs := {i + 1: {
	"active": _status_active(c),
	"last_rotated": object.get(c, "upload_date", null),
	"certificate_id_last4": c.certificate_id_last4,
	"source": "assume_root_session",
} |
	some i, c in audit.signing_certificates
} if {
	audited("signing_certificates")
} else := {slot: cells | some slot in existing_cert_slots; cells := cert_slots[slot]}

# Slots of active signing certificates, as judged.
active_certs contains slot if {
	some slot, cells in certs
	cells.active == true
}

# Whether root has an MFA device: the session's ListMFADevices, else the report's mfa_active.
mfa_on := count(audit.mfa_devices) > 0 if {
	audited("mfa_devices")
} else := report_root.mfa_active

# Root's MFA devices with their kinds: the session's list (every kind), else ListVirtualMFADevices
# plus the inferred hardware device (input.account.iam.root_mfa_devices).
mfa_devices := audit.mfa_devices if {
	audited("mfa_devices")
} else := input.account.iam.root_mfa_devices

# True when the account's root user has no credentials at all: a member account whose root
# credentials were removed through centralized root access (no password, no access key, no active
# signing certificate, and password recovery blocked by RootCredentialsManagement).
no_root_credentials if {
	report_root
	input.account.role == "member"
	input.organization.root_access.root_credentials_management == true
	input.account.iam.root_login_profile == "absent"
	count(keys) == 0
	count(active_certs) == 0
}

# Evidence for `no_root_credentials`.
no_root_credentials_evidence := {
	"role": input.account.role,
	"root_credentials_management": input.organization.root_access.root_credentials_management,
	"root_login_profile": input.account.iam.root_login_profile,
	"existing_key_slots": sort(object.keys(keys)),
	"active_cert_slots": sort(active_certs),
	"keys_from": source("access_keys"),
}
