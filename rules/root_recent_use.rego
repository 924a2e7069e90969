# METADATA
# title: Root user not used recently outside approved exceptions
# description: >-
#   The root user should be locked away and used only for the few tasks that require it, each
#   one approved in advance. The credential report records the last use of root's password and of
#   each root access key; a last use within the lookback window (lookback_days, 90 by default)
#   fails unless an approved root_use_exceptions entry for the account covers its timestamp
#   (from the exception's starts day, when given, to the end of its expires day, UTC). Each
#   credential is judged on its own: an exception covering the latest sign-in does not excuse an
#   earlier key use inside the window. Cells with AWS markers (never used, no information) are not
#   uses.
#   A credential report generated more than 24 hours before collection (AWS regenerates it at most
#   every 4 hours) cannot describe the credentials now: the control then has insufficient data.
# custom:
#   id: RW-ROOT-005
#   severity: high
#   remediation: >-
#     Find out who used root and why: in CloudTrail (console Event history, or `aws cloudtrail
#     lookup-events --lookup-attributes AttributeKey=Username,AttributeValue=root`) look for
#     events with userIdentity.type Root around the reported time. If the use was not legitimate,
#     treat it as an incident: reset the root password, replace its MFA devices and delete any root
#     access key. If it was a legitimate break-glass task, record it as a root_use_exceptions entry
#     (account_id, scenario, approver, starts, expires) in the requirements. Move any recurring task
#     to an IAM role, or to sts:AssumeRoot sessions under centralized root access.
#   cis: ["1.7 (v1.4.0-v3.0.0)"]
#   requires: [credential_report]
package rootwarden.rules.root_recent_use

import rego.v1

import data.rootwarden.lib.root
import data.rootwarden.lib.root_use
import data.rootwarden.lib.util

account_id := input.account.account_id

lookback_days := data.requirements.lookback_days

# Each credential's last use, when the report has a timestamp for it.
uses contains {
	"credential": "password",
	"last_used": ts,
} if {
	ts := root.report_root.password_last_used
	util.is_timestamp(ts)
}

uses contains use if {
	some slot, cells in root.key_slots
	util.is_timestamp(cells.last_used_date)
	use := object.union(
		{
			"credential": root.key_label(slot, cells),
			"slot": slot,
			"last_used": cells.last_used_date,
			"service": cells.last_used_service,
			"region": cells.last_used_region,
		},
		{k: v | some k, v in {"key_id_last4": root.key_last4(cells)}},
	)
}

# This account's root-use exceptions.
exceptions := root_use.exceptions(account_id)

covered(ts) if root_use.covered_time(time.parse_rfc3339_ns(ts))

exception_summary := [{
	"scenario": e.scenario,
	"starts": object.get(e, "starts", null),
	"expires": e.expires,
} |
	some e in exceptions
]

message(use, days) := sprintf(
	"Root %s was last used at %s (%d days ago) for %s in %s, within the %d-day lookback and outside any approved root-use exception.",
	[use.credential, use.last_used, days, use.service, use.region, lookback_days],
) if {
	use.slot
} else := sprintf(
	"Root %s was last used at %s (%d days ago), within the %d-day lookback and outside any approved root-use exception.",
	[use.credential, use.last_used, days, lookback_days],
)

insufficient_data contains root.stale_report if root.report_stale

deny contains f if {
	some use in uses
	days := util.days_since(use.last_used)
	days < lookback_days
	not covered(use.last_used)
	f := {
		"account_id": account_id,
		"resource": util.root_arn,
		"key": use.credential,
		"message": message(use, days),
		"evidence": object.union(use, {
			"days_ago": days,
			"lookback_days": lookback_days,
			"exceptions_for_account": exception_summary,
		}),
	}
}
