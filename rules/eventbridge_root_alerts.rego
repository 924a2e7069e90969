# METADATA
# title: EventBridge rules on root activity notify a person
# description: >-
#   When the requirements accept EventBridge as a detection path (alerting.allow_eventbridge),
#   every required root event (the canonical CloudTrail events, fixtures/cloudtrail) must reach a
#   person through the enabled root rules, judged as EventBridge delivers: a rule in state ENABLED
#   does not receive read-only management events (a root key listing buckets), only
#   ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS does; a rule sees only its own region's events,
#   global-service events (console sign-in, IAM) arrive in us-east-1, so every collected region
#   needs a rule for root API calls; the SNS target must be in the rule's region, reach a
#   confirmed, accepted subscriber, let events.amazonaws.com publish (topic policy, or a target
#   role) and not be encrypted with the AWS managed key aws/sns. The rules of a region are judged
#   together; the finding names, per region, the events no rule delivers and why. Not applicable
#   when EventBridge is not accepted, or when no EventBridge rule concerns root activity (the
#   metric filter path then applies).
# custom:
#   id: RW-MON-006
#   severity: medium
#   remediation: >-
#     In every region, put a rule on the default bus in state
#     ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS (`aws events put-rule --name NAME --state
#     ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS --event-pattern ...`) whose pattern lists the
#     required detail-types (or omits detail-type) with `"detail": {"userIdentity": {"type":
#     ["Root"]}}`, and add an SNS topic target in the same region (`aws events put-targets`) whose
#     access policy allows events.amazonaws.com to sns:Publish and whose subscription is confirmed
#     by a monitored address accepted by the requirements.
#   requires: [events, sns]
package rootwarden.rules.eventbridge_root_alerts

import rego.v1

import data.rootwarden.lib.eventbridge as eb
import data.rootwarden.lib.monitoring

deny contains f if {
	eb.allowed
	count(eb.root_event_rules) > 0
	some c in eb.gaps
	f := monitoring.finding(
		c.region,
		eb.bus_arn(c.region),
		monitoring.sentence(eb.gap_text(c)),
		{
			"region": c.region,
			"missing_events": c.missing,
			"required_events": c.required,
			"delivered_events": c.covered,
			"eventbridge_rules": [eb.event_rule_evidence(x) | some x in eb.root_event_rules; x.region == c.region],
		},
	)
}

insufficient_data contains r if {
	eb.allowed
	eb.undecided
	r := {
		"message": sprintf("Cannot decide whether EventBridge rules alert on root activity: %s.", [concat("; ", eb.unknown_reasons)]),
		"evidence": {
			"reasons": eb.unknown_reasons,
			"eventbridge_rules": [eb.event_rule_evidence(x) | some x in eb.root_event_rules],
		},
	}
}

not_applicable contains r if {
	not eb.allowed
	r := {
		"message": "EventBridge is not an accepted root-activity detection path (requirements alerting.allow_eventbridge is false); the metric filter path applies.",
		"evidence": {"allow_eventbridge": false},
	}
}

not_applicable contains r if {
	eb.allowed
	count(eb.root_event_rules) == 0
	r := {
		"message": "No EventBridge rule concerns root activity; the metric filter path (RW-MON-003 to RW-MON-005) applies.",
		"evidence": {"allow_eventbridge": true, "root_eventbridge_rules": []},
	}
}
