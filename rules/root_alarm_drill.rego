# METADATA
# title: The root-activity alarm's notification was proven recently
# description: >-
#   A chain that is configured right may still not reach anyone: a deleted topic, a key policy
#   that refuses CloudWatch, an action that fails. Within the last alerting.drill_every_days days
#   (requirements; default 30, CloudWatch keeps alarm history 30 days) an alarm that fires on a
#   root event must have executed its action successfully, as its Action history records it:
#   after a `rootwarden drill --yes` or a real alert. Insufficient data when the alarms' action
#   history was not read; not applicable when no alarm fires on a root event (RW-MON-004 reports
#   that).
# custom:
#   id: RW-MON-008
#   severity: medium
#   remediation: >-
#     Run `rootwarden drill --yes` (it sets each root alarm to ALARM, which runs its action, and
#     records the outcome), fix what it reports, and schedule it within alerting.drill_every_days.
#   requires: [cloudtrail, logs, cloudwatch]
package rootwarden.rules.root_alarm_drill

import rego.v1

import data.rootwarden.lib.monitoring as m
import data.rootwarden.lib.util

days := object.get(m.alerting, "drill_every_days", 30)

_window_start_ns := util.now_ns - (days * util.day_ns)

# Alarms that fire on a single root event (RW-MON-004's), in whichever account holds the chain.
alarms := [ga.alarm | some ga in m.good_alarms]

_history(a) := object.get(a, "action_history", null)

_recent_success(a) if {
	s := _history(a).last_success
	s != null
	time.parse_rfc3339_ns(s.timestamp) >= _window_start_ns
}

proven if {
	some a in alarms
	_recent_success(a)
}

unread := [a.alarm_name | some a in alarms; _history(a) == null]

_region(a) := util.arn_region(a.alarm_arn)

_evidence(a) := {
	"alarm_arn": a.alarm_arn,
	"drill_every_days": days,
	"history_since": _history(a).since,
	"last_success": _history(a).last_success,
	"last_failure": _history(a).last_failure,
}

_when(h) := concat("; ", [x | some x in [_success_text(h.last_success), _failure_text(h.last_failure)]; x != ""])

_success_text(s) := sprintf("its last successful action was at %s", [s.timestamp]) if {
	s != null
} else := "no action succeeded in the history CloudWatch keeps"

_failure_text(s) := sprintf("an action failed at %s (%s)", [s.timestamp, s.summary]) if {
	s != null
} else := ""

deny contains f if {
	not proven
	count(unread) == 0
	some a in alarms
	f := m.finding(
		_region(a),
		a.alarm_arn,
		sprintf(
			"Alarm %s has not proven it notifies within the last %d days: %s. Run `rootwarden drill --yes`.",
			[a.alarm_name, days, _when(_history(a))],
		),
		_evidence(a),
	)
}

insufficient_data contains r if {
	not proven
	count(unread) > 0
	r := {
		"message": sprintf(
			"Cannot decide whether the root alarm's action ran within %d days: the action history of %s was not read.",
			[days, concat(", ", sort(unread))],
		),
		"evidence": {"alarms": sort(unread)},
	}
}

insufficient_data contains r if {
	count(alarms) == 0
	reasons := m.undecided_reasons(4)
	count(reasons) > 0
	r := {
		"message": sprintf("Cannot decide which alarm fires on a root event: %s.", [concat("; ", reasons)]),
		"evidence": {"reasons": reasons},
	}
}

not_applicable contains r if {
	count(alarms) == 0
	count(m.undecided_reasons(4)) == 0
	r := {
		"message": "No alarm fires on a root event (RW-MON-004), so there is no alarm action to prove.",
		"evidence": {},
	}
}
