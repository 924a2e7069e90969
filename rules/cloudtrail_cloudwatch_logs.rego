# METADATA
# title: CloudTrail delivers to a CloudWatch Logs log group with enough retention
# description: >-
#   The root-activity metric filter and alarm only see events that a qualifying trail delivers
#   to CloudWatch Logs. A qualifying trail must name a log group that exists, and the log group
#   must keep events at least as long as the requirements' logging.min_retention_days (or never
#   expire), so root activity can be investigated after the alert.
# custom:
#   id: RW-MON-002
#   severity: medium
#   remediation: >-
#     Point the trail at a log group with `aws cloudtrail update-trail --cloud-watch-logs-log-group-arn
#     ARN --cloud-watch-logs-role-arn ROLE` (create the group first with `aws logs create-log-group`),
#     and set its retention with `aws logs put-retention-policy --retention-in-days N` to at least the
#     required number of days.
#   cis: ["3.4 (v1.4.0-v2.0.0)"]
#   aws_security_hub: ["CloudTrail.5"]
#   requires: [cloudtrail, logs]
package rootwarden.rules.cloudtrail_cloudwatch_logs

import rego.v1

import data.rootwarden.lib.monitoring
import data.rootwarden.lib.util

min_days := data.requirements.logging.min_retention_days

# Each ok delivery with what is wrong with its log group (null when it is good).
_judged := [{"delivery": d, "problem": _problem(d)} | some d in monitoring.deliveries; d.state == "ok"]

_problem(d) := {
	"text": sprintf(
		"%s, which %s delivers to, does not exist",
		[monitoring.log_group_label(d.log_group), monitoring.trail_label(d.trail)],
	),
	"evidence": {"trail_arn": d.trail.arn, "log_group_arn": d.log_group.configured_arn, "log_group_exists": false},
} if {
	d.group == null
} else := null if {
	_retained(object.get(d.group, "retention_in_days", null))
} else := {
	"text": sprintf(
		"%s, fed by %s, keeps events for %v days; at least %d are required",
		[monitoring.log_group_label(d.log_group), monitoring.trail_label(d.trail), d.group.retention_in_days, min_days],
	),
	"evidence": {
		"trail_arn": d.trail.arn,
		"log_group_arn": d.log_group.arn,
		"retention_in_days": d.group.retention_in_days,
		"min_retention_days": min_days,
	},
} if {
	is_number(d.group.retention_in_days)
} else := {
	"text": sprintf(
		"%s, fed by %s, has no known retention",
		[monitoring.log_group_label(d.log_group), monitoring.trail_label(d.trail)],
	),
	"evidence": {
		"trail_arn": d.trail.arn,
		"log_group_arn": d.log_group.arn,
		"retention_in_days": object.get(d.group, "retention_in_days", null),
		"min_retention_days": min_days,
	},
}

# A retention is enough when it says so: "never_expires", or at least the required days. Nothing
# else (a missing value above all) reads as kept forever.
_retained(days) if days == "never_expires"

_retained(days) if {
	is_number(days)
	days >= min_days
}

_good if {
	some j in _judged
	j.problem == null
}

_undecided if count(monitoring.undecided_reasons(2)) > 0

deny contains f if {
	not _good
	not _undecided
	some b in monitoring.breaks_upto(2)
	f := monitoring.finding(b.region, b.resource, monitoring.chain_message(b, 2, "No trail delivers root activity to CloudWatch Logs"), b.evidence)
}

deny contains f if {
	not _good
	not _undecided
	some j in _judged
	j.problem != null
	f := monitoring.finding(j.delivery.log_group.region, j.delivery.log_group.arn, util.sentence(j.problem.text), j.problem.evidence)
}

insufficient_data contains r if {
	not _good
	_undecided
	reasons := monitoring.undecided_reasons(2)
	r := {
		"message": sprintf("Cannot decide whether a qualifying trail delivers to a retained log group: %s.", [concat("; ", reasons)]),
		"evidence": {"reasons": reasons},
	}
}
