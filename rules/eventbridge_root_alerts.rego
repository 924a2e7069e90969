# METADATA
# title: EventBridge rules on root activity notify a person
# description: >-
#   When the requirements accept EventBridge as a detection path (alerting.allow_eventbridge), an
#   enabled EventBridge rule whose pattern matches root identities (detail.userIdentity.type
#   "Root") and the detail-types of the required root events (console sign-in: "AWS Console Sign
#   In via CloudTrail"; API calls and access-key use: "AWS API Call via CloudTrail") must send
#   them to an SNS topic with a confirmed, accepted subscriber. A root rule that is disabled,
#   misses a required detail-type or notifies nobody is a false sense of safety. Not applicable
#   when EventBridge is not accepted, or when no EventBridge rule concerns root activity (the
#   metric filter path then applies).
# custom:
#   id: RW-MON-006
#   severity: medium
#   remediation: >-
#     Enable the rule (`aws events enable-rule --name NAME`), make its pattern list the required
#     detail-types (or omit detail-type) with `"detail": {"userIdentity": {"type": ["Root"]}}`,
#     and add an SNS topic target (`aws events put-targets`) whose subscription is confirmed by a
#     monitored address accepted by the requirements.
#   requires: [events, sns]
package rootwarden.rules.eventbridge_root_alerts

import rego.v1

import data.rootwarden.lib.monitoring

_root_rules := monitoring.root_event_rules

_complete := monitoring.eventbridge_complete

_unknown := [r | some r in _root_rules; r.verdict == "unknown"]

deny contains f if {
	monitoring.eventbridge_allowed
	count(_complete) == 0
	count(_unknown) == 0
	some r in _root_rules
	f := monitoring.finding(
		r.region,
		r.arn,
		sprintf("EventBridge rule %s on root activity is not a complete alert path: %s.", [r.name, concat("; ", r.faults)]),
		monitoring.event_rule_evidence(r),
	)
}

insufficient_data contains r if {
	monitoring.eventbridge_allowed
	count(_complete) == 0
	count(_unknown) > 0
	reasons := [sprintf("EventBridge rule %s in %s: %s", [e.name, e.region, concat("; ", e.unknowns)]) | some e in _unknown]
	r := {
		"message": sprintf("Cannot decide whether an EventBridge rule alerts on root activity: %s.", [concat("; ", reasons)]),
		"evidence": {"eventbridge_rules": [monitoring.event_rule_evidence(e) | some e in _root_rules]},
	}
}

not_applicable contains r if {
	not monitoring.eventbridge_allowed
	r := {
		"message": "EventBridge is not an accepted root-activity detection path (requirements alerting.allow_eventbridge is false); the metric filter path applies.",
		"evidence": {"allow_eventbridge": false},
	}
}

not_applicable contains r if {
	monitoring.eventbridge_allowed
	count(_root_rules) == 0
	r := {
		"message": "No EventBridge rule concerns root activity; the metric filter path (RW-MON-003 to RW-MON-005) applies.",
		"evidence": {"allow_eventbridge": true, "root_eventbridge_rules": []},
	}
}
