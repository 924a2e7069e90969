# METADATA
# title: Root activity detections do not alert on AWS service events or other principals
# description: >-
#   A root detection that also counts events AWS services record on root's behalf
#   (`eventType: AwsServiceEvent`, or `userIdentity.invokedBy` set), or events of IAM users and
#   roles, pages people for activity that is not root using a credential; alerts that fire for
#   nothing are soon ignored. The root metric filters on a qualifying trail's log group and the
#   root EventBridge rules are run against the canonical CloudTrail events (fixtures/cloudtrail)
#   and each one that counts such an event is reported with the events it counts. This is noise,
#   not a detection gap, so it is low severity; RW-MON-003 and RW-MON-006 judge the gaps. With
#   --verify-filters, a filter on whose noise events AWS (logs:TestMetricFilter) and rootwarden's
#   engine disagree is insufficient data, not judged on rootwarden's word alone.
# custom:
#   id: RW-MON-007
#   severity: low
#   remediation: >-
#     Keep both exclusions of the CIS pattern: `$.userIdentity.invokedBy NOT EXISTS && $.eventType
#     != "AwsServiceEvent"`, and no `||` that lets another principal's events through. For an
#     EventBridge rule, add `"invokedBy": [{"exists": false}]` under `detail.userIdentity` and match
#     only the detail-types "AWS Console Sign In via CloudTrail" and "AWS API Call via CloudTrail".
#     `rootwarden explain-filter 'PATTERN'` shows which events a filter counts and why.
#   cis: []
#   aws_security_hub: []
#   requires: [cloudtrail, logs]
package rootwarden.rules.root_detection_noise

import rego.v1

import data.rootwarden.lib.eventbridge as eb
import data.rootwarden.lib.monitoring

deny contains f if {
	some rf in monitoring.root_filters
	monitoring.filter_oracle(rf.filter, monitoring.noise_events).state == "ok"
	noise := monitoring.judge_filter(rf.filter.filter_pattern).noise
	count(noise) > 0
	f := monitoring.finding(
		rf.delivery.log_group.region,
		rf.delivery.log_group.arn,
		sprintf("%s also counts events that are not root using a credential: %s.", [monitoring.sentence_case(monitoring.filter_label(rf)), concat(", ", noise)]),
		{
			"metric_filter": rf.filter.filter_name,
			"filter_pattern": rf.filter.filter_pattern,
			"noise_events": noise,
			"log_group_arn": rf.delivery.log_group.arn,
		},
	)
}

deny contains f if {
	some r in eb.root_event_rules
	r.pattern_error == null
	noise := eb.event_pattern_noise(r.event_pattern)
	count(noise) > 0
	f := monitoring.finding(
		r.region,
		r.arn,
		sprintf("EventBridge rule %s also delivers events that are not root using a credential: %s.", [r.name, concat(", ", noise)]),
		{"rule_arn": r.arn, "event_pattern": r.event_pattern, "noise_events": noise},
	)
}

not_applicable contains "There is no root metric filter on a qualifying trail's log group and no root EventBridge rule, so no detection can be noisy (RW-MON-003 and RW-MON-006 report the missing detection)." if {
	count(monitoring.root_filters) == 0
	count(eb.root_event_rules) == 0
}

# A root metric filter might exist where the chain could not be read (whatever EventBridge does:
# its rules are judged for noise on their own).
insufficient_data contains r if {
	count(monitoring.root_filters) == 0
	reasons := monitoring.undecided_reasons(3)
	count(reasons) > 0
	r := {
		"message": sprintf("Cannot decide whether a root metric filter exists whose noise could be judged: %s.", [concat("; ", reasons)]),
		"evidence": {"reasons": reasons},
	}
}

# A root filter whose noise AWS answers differently (or could not answer): no verdict on it.
insufficient_data contains r if {
	some rf in monitoring.root_filters
	o := monitoring.filter_oracle(rf.filter, monitoring.noise_events)
	o.state == "unknown"
	r := {
		"message": sprintf(
			"Cannot judge whether %s counts events that are not root using a credential: %s.",
			[monitoring.filter_label(rf), o.text],
		),
		"evidence": object.union(o.evidence, {"metric_filter": rf.filter.filter_name, "log_group_arn": rf.delivery.log_group.arn}),
	}
}

# EventBridge rules that could not be read might be noisy root detections: no pass on them.
insufficient_data contains r if {
	reasons := [x |
		some name, region in input.account.regions
		object.get(region, "events", null) == null
		x := sprintf("EventBridge rules in %s were not collected", [name])
	]
	count(reasons) > 0
	r := {
		"message": sprintf("Cannot judge every root detection for noise: %s.", [concat("; ", reasons)]),
		"evidence": {"reasons": reasons},
	}
}
