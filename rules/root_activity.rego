# METADATA
# title: No root activity outside approved exceptions (CloudTrail)
# description: >-
#   Every root event CloudTrail recorded in the reviewed window (the account's activity section,
#   written by `rootwarden activity` from event history or log files) must be covered by an approved
#   root_use_exceptions entry of the requirements: same account, the event's day within the
#   exception's starts..expires days (UTC, inclusive), and the event name among its
#   allowed_event_names (an empty list allows any). Console sign-ins (failed ones too), console
#   actions, calls with a root access key and sts:AssumeRoot sessions all count; events AWS services
#   record on root's behalf do not. Where some part of the history could not be read, the control
#   has insufficient data rather than passing; where activity was not reviewed at all, it is not
#   applicable.
# custom:
#   id: RW-ACT-001
#   severity: high
#   remediation: >-
#     Find out who used root and why from the event's time, source IP and user agent (the
#     `rootwarden activity` timeline). If the use was not legitimate, treat it as an incident: reset
#     the root password, replace its MFA devices, delete any root access key, and review what the
#     session changed. If it was a legitimate break-glass task, record it as a root_use_exceptions
#     entry (account_id, scenario, allowed_event_names, approver, starts, expires). Move recurring
#     tasks to IAM roles or to sts:AssumeRoot sessions under centralized root access.
#   cis: ["1.7 (v1.4.0-v3.0.0)"]
package rootwarden.rules.root_activity

import rego.v1

import data.rootwarden.lib.root_use
import data.rootwarden.lib.util

account_id := input.account.account_id

activity := input.account.activity

exceptions := root_use.exceptions(account_id)

unapproved contains ev if {
	some ev in activity.events
	not root_use.covered(ev)
}

# One finding per kind of use and event name, however many times it happened.
groups contains [ev.kind, ev.event_name] if some ev in unapproved

deny contains f if {
	some group in groups
	[kind, name] := group
	evs := [ev | some ev in unapproved; ev.kind == kind; ev.event_name == name]
	times := sort([ev.event_time | some ev in evs])
	ips := sort({ip | some ev in evs; ip := ev.source_ip})
	f := {
		"account_id": account_id,
		"resource": util.root_arn,
		"key": concat("/", [kind, name]),
		"message": message(kind, name, times),
		"evidence": {
			"kind": kind,
			"event_name": name,
			"count": count(evs),
			"first": times[0],
			"last": times[count(times) - 1],
			"source_ips": ips,
			"event_ids": sort([ev.event_id | some ev in evs]),
			"exceptions_for_account": [{"scenario": e.scenario, "expires": e.expires} | some e in exceptions],
		},
	}
}

message(kind, name, times) := sprintf(
	"Root %s %s happened once, at %s, outside any approved root-use exception.",
	[replace(kind, "_", " "), name, times[0]],
) if {
	count(times) == 1
} else := sprintf(
	"Root %s %s happened %d times between %s and %s outside any approved root-use exception.",
	[replace(kind, "_", " "), name, count(times), times[0], times[count(times) - 1]],
)

insufficient_data contains {
	"message": sprintf(
		"Root activity could not be fully read (%s), so root use may be missing.",
		[concat("; ", sort({sprintf("%s %s: %s", [e.source, object.get(e, "region", "-"), e.error_code]) | some e in activity.errors}))],
	),
	"evidence": {"errors": activity.errors},
} if {
	count(activity.errors) > 0
}

not_applicable contains "Root activity was not reviewed for this account (run `rootwarden activity`, or `scan --activity`)." if {
	not input.account.activity
}
