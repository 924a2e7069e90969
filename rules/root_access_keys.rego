# METADATA
# title: Root user has no access keys
# description: >-
#   The root user must not hold access keys. A root access key gives unrestricted programmatic
#   access to every resource and to billing, cannot be limited by IAM policies or permission
#   boundaries, and is not protected by MFA. A deactivated key can be reactivated by anyone who
#   signs in as root, so every existing key slot counts, active or not. A deactivated key is
#   accepted only while it is listed in the requirements' retained_root_keys and its
#   decommission_date has not passed. The check also compares the credential report with
#   iam:GetAccountSummary, which is current, to catch a key created after the report was generated.
#   In a member account audited with --audit-root, the keys an sts:AssumeRoot session listed
#   (ListAccessKeys, current) are judged instead of the report's slots. Otherwise a credential
#   report generated more than 24 hours before collection (AWS regenerates it at most every 4 hours)
#   cannot describe the credentials now: the control then has insufficient data.
# custom:
#   id: RW-ROOT-001
#   severity: critical
#   remediation: >-
#     Replace whatever uses the key with an IAM role, then delete the key. Console: sign in as root,
#     open Security credentials, and under Access keys choose Actions, Deactivate, then Delete.
#     Member accounts with centralized root access: from the management account run
#     `aws sts assume-root --target-principal ACCOUNT_ID --task-policy-arn
#     arn=arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials`, then with that session
#     `aws iam list-access-keys` and `aws iam delete-access-key --access-key-id KEY_ID`. A deactivated
#     key that must be kept for now belongs in retained_root_keys with a justification and a
#     decommission_date.
#   cis: ["1.4 (v1.4.0-v4.0.1)"]
#   aws_security_hub: ["IAM.4"]
#   requires: [credential_report, account_summary]
package rootwarden.rules.root_access_keys

import rego.v1

import data.rootwarden.lib.root
import data.rootwarden.lib.util

account_id := input.account.account_id

# A retained_root_keys entry names this slot's key: by key id when the collector knew it, else by
# slot number.
names_key(entry, _, cells) if entry.key_last4 == root.key_last4(cells)

names_key(entry, slot, cells) if {
	not root.key_last4(cells)
	entry.slot == slot
}

# The retained_root_keys entries for this slot's key.
retained_entries(slot, cells) := [entry |
	some entry in data.requirements.retained_root_keys
	entry.account_id == account_id
	names_key(entry, slot, cells)
]

# A deactivated key listed as retained, with a decommission date that has not passed.
exempt(slot, cells) if {
	cells.active == false
	some entry in retained_entries(slot, cells)
	util.not_passed(entry.decommission_date)
}

# The latest decommission date among the slot's retained entries.
retained_until(slot, cells) := max({entry.decommission_date | some entry in retained_entries(slot, cells)})

# Whether a YYYY-MM-DD date has passed at the snapshot's collected_at.
passed(date) := false if {
	util.not_passed(date)
} else := true

retention_evidence(slot, cells) := {
	"retained_until": retained_until(slot, cells),
	"retention_expired": passed(retained_until(slot, cells)),
	"justification": concat("; ", [entry.justification | some entry in retained_entries(slot, cells)]),
} if {
	count(retained_entries(slot, cells)) > 0
} else := {}

message(slot, cells) := sprintf("Root %s is active; delete it.", [root.key_label(slot, cells)]) if {
	cells.active == true
	count(retained_entries(slot, cells)) == 0
} else := msg if {
	cells.active == true
	msg := sprintf(
		"Root %s is active, and retained_root_keys only covers deactivated keys; delete it.",
		[root.key_label(slot, cells)],
	)
} else := msg if {
	count(retained_entries(slot, cells)) > 0
	msg := sprintf(
		"Root %s is deactivated but its retention ended on %s; delete it.",
		[root.key_label(slot, cells), retained_until(slot, cells)],
	)
} else := sprintf(
	"Root %s is deactivated but still exists and is not listed in retained_root_keys; delete it.",
	[root.key_label(slot, cells)],
)

deny contains f if {
	some slot, cells in root.keys
	not exempt(slot, cells)
	f := {
		"account_id": account_id,
		"resource": util.root_arn,
		"key": sprintf("access_key_%d", [slot]),
		"message": message(slot, cells),
		"evidence": object.union(
			object.union(root.key_evidence(slot, cells), retention_evidence(slot, cells)),
			{"keys_from": root.source("access_keys")},
		),
	}
}

# GetAccountSummary is current; the credential report may be up to four hours old.
deny contains f if {
	input.account.iam.account_summary.account_access_keys_present == true
	count(root.keys) == 0
	f := {
		"account_id": account_id,
		"resource": util.root_arn,
		"message": summary_message,
		"evidence": object.union(
			{
				"account_access_keys_present": true,
				"credential_report_generated_at": root.report_generated_at,
				"keys_from": root.source("access_keys"),
			},
			report_slots,
		),
	}
}

summary_message := sprintf(
	"The account summary reports a root access key; the credential report generated at %s is too old to say which (%d hours before collection).",
	[root.report_generated_at, root.stale_report.evidence.age_hours],
) if {
	not root.audited("access_keys")
	root.report_stale
	root.report_age_ns >= 0
} else := sprintf(
	"The account summary reports a root access key but %s shows none; %s.",
	[root.source("access_keys"), stale_hint],
)

stale_hint := "a key may have been created since" if {
	root.audited("access_keys")
} else := "the credential report may be stale"

report_slots := {
	"access_key_1": root.key_evidence(1, root.key_slots[1]),
	"access_key_2": root.key_evidence(2, root.key_slots[2]),
} if {
	not root.report_stale
} else := {}

# Keys a root session listed are current; without them the keys rest on the report.
insufficient_data contains root.stale_report if {
	root.report_stale
	not root.audited("access_keys")
}
