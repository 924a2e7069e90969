# The EventBridge path, judged as EventBridge delivers CloudTrail's events (docs/eventbridge.md):
#
# - Rule state: DISABLED receives nothing; ENABLED receives CloudTrail's events except read-only
#   management events (readOnly: true, such as a root key listing buckets); only
#   ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS receives those too.
# - Regions: a rule sees only the events of its own region. Events of global services (IAM, AWS
#   Sign-In console sign-ins, Organizations, Account Management, CloudFront, Route 53) arrive in
#   us-east-1 (us-gov-west-1, cn-north-1 in the other partitions); a root API call to a regional
#   service arrives in the region it was made in, so every collected region needs a rule.
# - Delivery: an SNS target in the rule's own region whose topic reaches a person (a confirmed,
#   accepted subscription), whose access policy lets events.amazonaws.com publish (or the target
#   has a role), and which is unencrypted or encrypted with a key EventBridge may use (the AWS
#   managed key aws/sns never; a customer managed key's policy is not collected: unknown).
# - Several rules together: the enabled root rules of a region are judged as a union; every
#   required canonical event must reach a person through one of them.
package rootwarden.lib.eventbridge

import rego.v1

import data.rootwarden.lib.monitoring as m
import data.rootwarden.lib.sns_policy

allowed if m.alerting.allow_eventbridge == true

partition := object.get(input.account, "partition", "aws")

_global_regions := {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1", "aws-cn": "cn-north-1"}

# The region global services deliver their events in.
global_region := object.get(_global_regions, partition, "us-east-1")

# Event sources of global services: their events arrive in the global region only.
global_sources := {
	"iam.amazonaws.com",
	"signin.amazonaws.com",
	"organizations.amazonaws.com",
	"account.amazonaws.com",
	"cloudfront.amazonaws.com",
	"route53.amazonaws.com",
}

is_global(e) if e.record.eventSource in global_sources

# A read-only management event, which a rule in state ENABLED does not receive.
read_only(e) if e.record.readOnly == true

all_management_events := "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"

_enabled_states := {"ENABLED", all_management_events}

# The collected regions of the account.
regions := {r | some r, _ in input.account.regions}

# The required canonical events that arrive in region r.
required_in(r) := array.concat(
	[e | some e in m.must_alert; not is_global(e)],
	[e | r == global_region; some e in m.must_alert; is_global(e)],
)

_required_ids(r) := {e.id | some e in required_in(r)}

# --- root rules ----------------------------------------------------------------------------------

# Whether an EventBridge rule is about root activity: its pattern matches a canonical root event,
# or it names root without matching one (invalid, or a typo such as "root" for "Root"): a broken
# root rule is a finding, not an absent one.
_concerns_root(rule) if {
	is_string(rule.event_pattern)
	_matches_a_root_event(rule.event_pattern)
}

_concerns_root(rule) if {
	is_string(rule.event_pattern)
	not _matches_a_root_event(rule.event_pattern)
	contains(lower(rule.event_pattern), "root")
}

_matches_a_root_event(pattern) if {
	some e in data.canonical_events
	e.root
	rootwarden.event_pattern_matches(pattern, e.eventbridge)
}

# The AWS-service and non-root canonical events an EventBridge pattern delivers.
event_pattern_noise(pattern) := [e.id | some e in data.canonical_events; m.is_noise(e); rootwarden.event_pattern_matches(pattern, e.eventbridge)]

# Every EventBridge rule of this account on root activity, judged.
root_event_rules := [_event_rule(r, rule) |
	some r, region in input.account.regions
	some rule in m.arr(region.events.rules)
	_concerns_root(rule)
]

_event_rule(region, rule) := e if {
	pattern_error := rootwarden.event_pattern_error(rule.event_pattern)
	matched := [x.id | pattern_error == ""; some x in m.must_alert; rootwarden.event_pattern_matches(rule.event_pattern, x.eventbridge)]
	missing := [x.id | pattern_error == ""; some x in m.must_alert; not x.id in matched]
	read_only_missed := [x.id |
		rule.state == "ENABLED"
		some x in m.must_alert
		x.id in matched
		read_only(x)
	]
	receives := [id | rule.state in _enabled_states; some id in matched; not id in read_only_missed]
	targets := [_target(region, rule, t) | some t in m.arr(rule.targets); m.is_sns_topic_arn(t.arn)]
	ok_targets := [t | some t in targets; t.state == "ok"]
	unknown_targets := [t | some t in targets; t.state == "unknown"]
	faults := [x |
		some part in [
			[y | not rule.state in _enabled_states; y := sprintf("it is %s", [rule.state])],
			[y | pattern_error != ""; y := sprintf("its event pattern is not valid (%s), so it delivers nothing", [pattern_error])],
			[y | count(missing) > 0; y := sprintf("its pattern does not match %s", [concat(", ", missing)])],
			[y |
				count(read_only_missed) > 0
				y := sprintf(
					"in state ENABLED it does not receive read-only management events (%s); only %s does",
					[concat(", ", read_only_missed), all_management_events],
				)
			],
			[y | is_array(rule.targets); count(targets) == 0; y := "it has no SNS topic target"],
			[y |
				count(ok_targets) == 0
				count(unknown_targets) == 0
				some t in targets
				y := t.text
			],
		]
		some x in part
	]
	unknowns := [x |
		some part in [
			[y | not is_array(rule.targets); y := "its targets could not be read"],
			[y | count(ok_targets) == 0; some t in unknown_targets; y := t.text],
		]
		some x in part
	]
	e := {
		"name": rule.name,
		"arn": rule.arn,
		"region": region,
		"state": rule.state,
		"missed_events": missing,
		"read_only_missed": read_only_missed,
		"receives": receives,
		"pattern_error": m.nonempty(pattern_error),
		"event_pattern": rule.event_pattern,
		"targets": targets,
		"delivery": _delivery(ok_targets, unknown_targets, rule),
		"faults": faults,
		"unknowns": unknowns,
		"verdict": m.state(faults, unknowns),
	}
}

# Whether the rule hands what it receives to a person: "ok", "unknown" or "fail".
_delivery(ok_targets, unknown_targets, rule) := "ok" if {
	count(ok_targets) > 0
} else := "unknown" if {
	count(unknown_targets) > 0
} else := "unknown" if {
	not is_array(rule.targets)
} else := "fail"

# --- delivery to an SNS target -------------------------------------------------------------------

# An SNS target of a rule: {"topic_arn", "state", "text", ...} with text saying what is wrong or
# unknown.
_target(region, rule, t) := v if {
	checks := [c |
		some c in [
			_target_region(region, t.arn),
			_target_reach(t.arn),
			_target_permission(rule, t),
			_target_encryption(t),
		]
		c.state != "ok"
	]
	faults := [c.why | some c in checks; c.state == "fail"]
	unknowns := [c.why | some c in checks; c.state == "unknown"]
	st := m.state(faults, unknowns)
	v := {
		"topic_arn": t.arn,
		"state": st,
		"role_arn": object.get(t, "role_arn", null),
		"faults": faults,
		"unknowns": unknowns,
		"text": _target_text(t.arn, st, faults, unknowns),
	}
}

_target_text(arn, "fail", faults, _) := sprintf("%s does not deliver to a person: %s", [m.topic_label(arn), concat("; ", faults)])

_target_text(arn, "unknown", _, unknowns) := sprintf("%s cannot be judged: %s", [m.topic_label(arn), concat("; ", unknowns)])

_target_text(_, "ok", _, _) := ""

_target_region(region, arn) := {"state": "fail", "why": sprintf("it is in %s, and EventBridge delivers only to targets in the rule's own region (%s)", [m.arn_region(arn), region])} if {
	m.arn_region(arn) != region
} else := {"state": "ok"}

_target_reach(arn) := {"state": v.state, "why": sprintf("it reaches no person: %s", [v.why])} if {
	v := m.topic_verdict(arn)
	v.state == "fail"
} else := {"state": "unknown", "why": v.why} if {
	v := m.topic_verdict(arn)
	v.state == "unknown"
} else := {"state": "ok"}

# EventBridge publishes to an SNS topic with its service principal, which the topic's access
# policy must allow, or with the target's role.
_target_permission(rule, t) := {"state": "ok"} if {
	is_string(object.get(t, "role_arn", null))
} else := {"state": "unknown", "why": "its access policy was not collected"} if {
	not _attributes(t.arn)
} else := {"state": _permission_state(v.state), "why": sprintf("its access policy does not let EventBridge (events.amazonaws.com) publish: %s", [v.why])} if {
	v := sns_policy.publish(object.get(_attributes(t.arn), "policy", null), {
		"service": "events.amazonaws.com",
		"topic_arn": t.arn,
		"source_arn": rule.arn,
		"source_account": m.arn_account(rule.arn),
	})
	v.state == "deny"
} else := {"state": "unknown", "why": v.why} if {
	v := sns_policy.publish(object.get(_attributes(t.arn), "policy", null), {
		"service": "events.amazonaws.com",
		"topic_arn": t.arn,
		"source_arn": rule.arn,
		"source_account": m.arn_account(rule.arn),
	})
	v.state == "unknown"
} else := {"state": "ok"}

_permission_state("deny") := "fail"

_attributes(arn) := a if {
	a := m.topic_of(arn).attributes
	is_object(a)
}

# An encrypted topic: EventBridge must be able to use the KMS key. The AWS managed key aws/sns
# does not let it (AWS: use a customer managed key with a key policy for EventBridge); a
# customer managed key's policy is not collected.
_target_encryption(t) := {"state": "unknown", "why": "its encryption was not collected"} if {
	not _attributes(t.arn)
} else := {"state": "unknown", "why": "its encryption was not collected"} if {
	object.get(_attributes(t.arn), "kms_master_key_id", null) == null
} else := {"state": "ok"} if {
	_attributes(t.arn).kms_master_key_id == "not_set"
} else := {"state": "ok"} if {
	contains(_attributes(t.arn).kms_master_key_id, "alias/aws/sns")
	is_string(object.get(t, "role_arn", null))
} else := {"state": "fail", "why": "it is encrypted with the AWS managed key aws/sns, whose key policy does not let EventBridge use it (an encrypted topic needs a customer managed key that allows events.amazonaws.com)"} if {
	contains(_attributes(t.arn).kms_master_key_id, "alias/aws/sns")
} else := {"state": "unknown", "why": sprintf("it is encrypted with KMS key %s, and whether that key's policy lets EventBridge use it was not collected", [_attributes(t.arn).kms_master_key_id])}

# --- the union of a region's rules ---------------------------------------------------------------

# Per collected region: the required events that arrive there, those an enabled root rule
# delivers to a person, those one might (unknown facts), and those none delivers; empty without
# root rules. (regorus evaluates every rule of a package it reads, for every account: what only
# matters when there are root rules is computed only then.)
coverage := {r: _coverage(r) | count(root_event_rules) > 0; some r in regions}

_coverage(r) := {
	"region": r,
	"required": sort(_required_ids(r)),
	"covered": [],
	"maybe": sort(_required_ids(r)),
	"missing": [],
	"why": sprintf("EventBridge rules in %s were not collected", [r]),
} if {
	object.get(input.account.regions[r], "events", null) == null
} else := c if {
	rules := [x | some x in root_event_rules; x.region == r]
	covered := {id | some x in rules; x.delivery == "ok"; some id in x.receives} & _required_ids(r)
	maybe := ({id | some x in rules; x.delivery == "unknown"; some id in x.receives} & _required_ids(r)) - covered
	c := {
		"region": r,
		"required": sort(_required_ids(r)),
		"covered": sort(covered),
		"maybe": sort(maybe),
		"missing": sort((_required_ids(r) - covered) - maybe),
		"rules": [x.name | some x in rules],
		"why": concat("; ", [sprintf("rule %s: %s", [x.name, concat("; ", x.unknowns)]) | some x in rules; count(x.unknowns) > 0]),
	}
}

# Global-service events must be judged in the global region; unknown when it was not collected.
_global_uncollected := [e.id | count(root_event_rules) > 0; not global_region in regions; some e in m.must_alert; is_global(e)]

# Every required event reaches a person through some rule in every collected region.
complete if {
	count(root_event_rules) > 0
	count(_global_uncollected) == 0
	every c in coverage {
		count(c.missing) == 0
		count(c.maybe) == 0
	}
}

# No event is certainly uncovered, but some might be.
_undecided if {
	not complete
	every c in coverage {
		count(c.missing) == 0
	}
}

# The requirements accept EventBridge and the EventBridge path is complete.
accepted if {
	allowed
	complete
}

# The requirements accept EventBridge, the path is not known complete, but might be.
undecided if {
	allowed
	count(root_event_rules) > 0
	_undecided
}

unknown_reasons := [x |
	undecided
	some part in [
		[y |
			some c in coverage
			count(c.maybe) > 0
			y := sprintf("in %s, %s might be delivered (%s)", [c.region, concat(", ", c.maybe), c.why])
		],
		[y |
			count(_global_uncollected) > 0
			y := sprintf(
				"global-service events (%s) arrive in %s, which was not collected",
				[concat(", ", _global_uncollected), global_region],
			)
		],
	]
	some x in part
]

# The regions where some required event certainly reaches nobody.
gaps := [c | some c in coverage; count(c.missing) > 0]

# The default event bus of a region: the resource of a region's gap.
# (The partition is read here, not from the `partition` rule: regorus 0.14 can lose the value of a
# rule evaluated earlier under `with`, which the rule tests use.)
bus_arn(region) := sprintf("arn:%s:events:%s:%s:event-bus/default", [
	object.get(input.account, "partition", "aws"),
	region,
	input.account.account_id,
])

# Why a region's root rules do not deliver its missing events.
gap_text(c) := sprintf(
	"in %s no enabled EventBridge rule delivers %s to a person: there is no root rule in this region, and a rule sees only its own region's events",
	[c.region, concat(", ", c.missing)],
) if {
	count(c.rules) == 0
} else := sprintf("in %s no enabled EventBridge rule delivers %s to a person: %s", [
	c.region,
	concat(", ", c.missing),
	concat("; ", [_rule_text(x) | some x in root_event_rules; x.region == c.region]),
])

_rule_text(x) := sprintf("rule %s delivers %s", [x.name, concat(", ", x.receives)]) if {
	count(x.faults) == 0
	count(x.receives) > 0
} else := sprintf("rule %s: %s", [x.name, concat("; ", x.faults)]) if {
	count(x.faults) > 0
} else := sprintf("rule %s delivers nothing", [x.name])

event_rule_evidence(r) := {
	"rule_arn": r.arn,
	"region": r.region,
	"state": r.state,
	"missed_events": r.missed_events,
	"read_only_missed": r.read_only_missed,
	"receives": r.receives,
	"pattern_error": r.pattern_error,
	"sns_targets": [{"topic_arn": t.topic_arn, "state": t.state, "faults": t.faults, "unknowns": t.unknowns} |
		some t in r.targets
	],
	"faults": r.faults,
	"unknowns": r.unknowns,
}

# The not_applicable entry of the metric-filter rules when the EventBridge path replaces them.
replacement := {
	"message": sprintf(
		"Root activity is alerted on by EventBridge rules %s in every collected region, an accepted alternative to the metric filter path.",
		[concat(", ", sort({x.name | some x in root_event_rules; x.delivery == "ok"; count(x.receives) > 0}))],
	),
	"evidence": {
		"eventbridge_rules": [event_rule_evidence(x) | some x in root_event_rules],
		"coverage": coverage,
	},
} if {
	accepted
}
