# The chain that proves root activity is watched, computed once for every monitoring rule:
#
#   qualifying CloudTrail trail -> its CloudWatch Logs log group -> a metric filter that catches
#   root activity -> an alarm that fires on one event -> an SNS topic that reaches a person
#
# and the alternative EventBridge path (an enabled rule on root activity with an SNS target).
#
# Every link is judged "ok", "fail" or "unknown" (a fact that could not be collected). A rule
# passes when some chain is ok up to its link, answers insufficient_data when none is ok but one
# is unknown, and denies otherwise, naming where each chain breaks. An organization trail seen in
# a member account delivers to its owner's log group, so the chain continues in
# input.related_accounts[owner].
#
# Stages, numbered for chain_ok / undecided_upto / breaks_upto:
#   1 trail, 2 delivery to a log group, 3 root metric filter, 4 alarm, 5 notification.
package rootwarden.lib.monitoring

import rego.v1

import data.rootwarden.lib.util

# --- accounts and sections ---------------------------------------------------------------------

account_id := input.account.account_id

related := object.get(input, "related_accounts", {})

alerting := object.get(data.requirements, "alerting", {})

# The Account document of an account id: this account or a related one; undefined when absent.
account_doc(id) := input.account if id == account_id

account_doc(id) := doc if {
	id != account_id
	doc := related[id]
}

# A regional section (logs, cloudwatch, sns, events) of an account:
# {"known": true, "value": ...} or {"known": false, "why": ...}.
section(id, region, name) := {"known": true, "value": v} if {
	doc := account_doc(id)
	v := doc.regions[region][name]
	v != null
} else := {"known": false, "why": sprintf("account %s is not in the snapshot", [id])} if {
	not account_doc(id)
} else := {"known": false, "why": sprintf("region %s of account %s was not collected", [region, id])} if {
	doc := account_doc(id)
	not doc.regions[region]
} else := {"known": false, "why": sprintf("%s of account %s in %s was not collected", [name, id, region])}

# A JSON array, or [] for null (`some x in null` is an error in regorus).
arr(x) := x if {
	is_array(x)
} else := []

# "ok" unless there are faults ("fail") or unknowns ("unknown"); faults win.
state(faults, unknowns) := "fail" if {
	count(faults) > 0
} else := "unknown" if {
	count(unknowns) > 0
} else := "ok"

# The account id in an ARN.
arn_account(arn) := split(arn, ":")[4]

# The region in an ARN.
arn_region(arn) := split(arn, ":")[3]

# The last `:`-separated part of an ARN (a topic's name).
arn_name(arn) := parts[count(parts) - 1] if parts := split(arn, ":")

# An SNS topic ARN: arn:PARTITION:sns:REGION:ACCOUNT:NAME.
is_sns_topic_arn(x) if {
	is_string(x)
	p := split(x, ":")
	count(p) == 6
	p[0] == "arn"
	p[2] == "sns"
}

# "Text" from "text", without a full stop.
sentence_case(text) := concat("", [upper(substring(text, 0, 1)), substring(text, 1, -1)])

# "Text" from "text" (messages are built from lower-case clauses).
sentence(text) := concat("", [upper(substring(text, 0, 1)), substring(text, 1, -1), "."])

# A deny entry for this account.
finding(region, resource, message, evidence) := {
	"account_id": account_id,
	"region": region,
	"resource": resource,
	"message": message,
	"evidence": evidence,
}

# --- stage 1: trails ---------------------------------------------------------------------------

# Every trail ARN seen in any region of the account; shadow copies fold into one.
trail_arns contains t.trail_arn if {
	some region in input.account.regions
	some t in arr(region.cloudtrail.trails)
}

# Copies of a trail: in this account's regions and, for a trail owned by a related account, in the
# owner's regions (the owner may have read facts a member could not).
_copies(arn) := array.concat(
	[{"trail": t, "account": account_id, "region": r} |
		some r, region in input.account.regions
		some t in arr(region.cloudtrail.trails)
		t.trail_arn == arn
	],
	[{"trail": t, "account": owner, "region": r} |
		owner := arn_account(arn)
		owner != account_id
		some r, region in related[owner].regions
		some t in arr(region.cloudtrail.trails)
		t.trail_arn == arn
	],
)

# The most informative copy: fewest unread facts, then the home-region copy, then this account's,
# then the first region by name.
_best_copy(arn) := copies[order[0][4]] if {
	copies := _copies(arn)
	order := sort([[count(_trail_unknowns(c.trail)), count([1 | c.region != c.trail.home_region]), count([1 | c.account != account_id]), c.region, i] |
		some i, c in copies
	])
}

# Why a trail does not qualify (definite facts).
_trail_faults(t) := [m |
	some part in [
		[x |
			owner := arn_account(t.trail_arn)
			owner != account_id
			not t.is_organization_trail
			x := sprintf("it belongs to account %s and is not an organization trail", [owner])
		],
		[x | not t.is_multi_region_trail; x := "it is not multi-region (it records its home region only)"],
		[x | t.status.is_logging == false; x := "logging is stopped"],
		[x |
			_selectors_known(t)
			not _records_management(t)
			x := "it does not record both read and write management events"
		],
	]
	some m in part
]

# What could not be read about a trail.
_trail_unknowns(t) := [m |
	some part in [
		[x | object.get(t, "status", null) == null; x := "its logging status could not be read"],
		[x | not _selectors_known(t); x := "its event selectors could not be read"],
	]
	some m in part
]

_selectors_known(t) if is_array(object.get(t, "event_selectors", null))

_selectors_known(t) if is_array(object.get(t, "advanced_event_selectors", null))

_records_management(t) if _classic_read_write(arr(object.get(t, "event_selectors", null)))

_records_management(t) if _advanced_read_write(arr(object.get(t, "advanced_event_selectors", null)))

# Classic selectors: management events, read and write.
_classic_read_write(selectors) if {
	some s in selectors
	s.include_management_events == true
	s.read_write_type == "All"
}

_classic_read_write(selectors) if {
	some r in selectors
	r.include_management_events == true
	r.read_write_type == "ReadOnly"
	some w in selectors
	w.include_management_events == true
	w.read_write_type == "WriteOnly"
}

# Advanced selectors: management selectors whose readOnly values together cover "true" and "false".
_advanced_read_write(selectors) if {
	covered := {v |
		some s in selectors
		_management_selector(s)
		some v in {"true", "false"}
		not _read_only_excludes(s, v)
	}
	"true" in covered
	"false" in covered
}

# A selector for management events (eventCategory = Management) not narrowed to a positive list
# of event sources or other fields.
_management_selector(s) if {
	some f in arr(s.field_selectors)
	f.field == "eventCategory"
	"Management" in arr(object.get(f, "equals", null))
	not _narrowed(s)
}

_narrowed(s) if {
	some f in arr(s.field_selectors)
	not f.field in {"eventCategory", "readOnly"}
	some k in ["equals", "starts_with", "ends_with"]
	count(arr(object.get(f, k, null))) > 0
}

# A readOnly field selector of s rules out value v ("true" or "false").
_read_only_excludes(s, v) if {
	some f in arr(s.field_selectors)
	f.field == "readOnly"
	is_array(object.get(f, "equals", null))
	not v in f.equals
}

_read_only_excludes(s, v) if {
	some f in arr(s.field_selectors)
	f.field == "readOnly"
	v in arr(object.get(f, "not_equals", null))
}

# One entry per trail ARN.
trails := {arn: e |
	some arn in trail_arns
	copy := _best_copy(arn)
	t := copy.trail
	faults := _trail_faults(t)
	unknowns := _trail_unknowns(t)
	e := {
		"arn": arn,
		"name": t.name,
		"home_region": t.home_region,
		"owner": arn_account(arn),
		"organization_trail": t.is_organization_trail,
		"trail": t,
		"faults": faults,
		"unknowns": unknowns,
		"state": state(faults, unknowns),
	}
}

# Trails that are multi-region, logging and record read and write management events.
qualifying_trails := [e | some e in trails; e.state == "ok"]

# Trails that might qualify but have unread facts.
undecided_trails := [e | some e in trails; e.state == "unknown"]

# "trail NAME", or "organization trail NAME of account OWNER".
trail_label(e) := sprintf("trail %s", [e.name]) if {
	e.owner == account_id
} else := sprintf("organization trail %s of account %s", [e.name, e.owner])

trail_evidence(e) := {
	"trail_arn": e.arn,
	"home_region": e.home_region,
	"organization_trail": e.organization_trail,
	"is_multi_region_trail": e.trail.is_multi_region_trail,
	"is_logging": object.get(e.trail, ["status", "is_logging"], null),
	"faults": e.faults,
	"unknowns": e.unknowns,
}

# --- stage 2: delivery to a CloudWatch Logs log group ------------------------------------------

# arn:PARTITION:logs:REGION:ACCOUNT:log-group:NAME[:*] -> its parts and a canonical ARN.
log_group_ref(arn) := {
	"configured_arn": arn,
	"arn": concat(":", array.slice(p, 0, 7)),
	"region": p[3],
	"account": p[4],
	"name": p[6],
} if {
	is_string(arn)
	p := split(arn, ":")
	p[0] == "arn"
	p[2] == "logs"
	p[5] == "log-group"
	p[6] != ""
	_log_group_arn_tail(p)
}

_log_group_arn_tail(p) if count(p) == 7

_log_group_arn_tail(p) if {
	count(p) == 8
	p[7] == "*"
}

# "log group NAME in REGION" (and the account when it is not this one).
log_group_label(ref) := sprintf("log group %s in %s", [ref.name, ref.region]) if {
	ref.account == account_id
} else := sprintf("log group %s in %s of account %s", [ref.name, ref.region, ref.account])

# Where each qualifying trail delivers: state "ok" (configured, and the log group's facts are
# readable; "group" is the log group, or null when it does not exist), "fail" or "unknown".
deliveries := [_delivery(e) | some e in qualifying_trails]

_delivery(e) := {
	"trail": e,
	"state": "fail",
	"text": sprintf("%s does not deliver its events to CloudWatch Logs", [trail_label(e)]),
	"log_group": null,
} if {
	object.get(e.trail, "cloud_watch_logs_log_group_arn", null) == null
} else := {
	"trail": e,
	"state": "fail",
	"text": sprintf(
		"%s delivers to %s, which is not a CloudWatch Logs log-group ARN",
		[trail_label(e), e.trail.cloud_watch_logs_log_group_arn],
	),
	"log_group": null,
} if {
	not log_group_ref(e.trail.cloud_watch_logs_log_group_arn)
} else := d if {
	ref := log_group_ref(e.trail.cloud_watch_logs_log_group_arn)
	d := _delivery_to(e, ref, section(ref.account, ref.region, "logs"))
}

_delivery_to(e, ref, sec) := {
	"trail": e,
	"state": "unknown",
	"text": sprintf("the %s that %s delivers to cannot be read: %s", [log_group_label(ref), trail_label(e), sec.why]),
	"log_group": ref,
} if {
	not sec.known
}

_delivery_to(e, ref, sec) := {
	"trail": e,
	"state": "ok",
	"log_group": ref,
	"logs": sec.value,
	"group": _group(sec.value, ref.name),
} if {
	sec.known
}

_group(logs, name) := groups[0] if {
	groups := [g | some g in logs.log_groups; g.log_group_name == name]
	count(groups) > 0
} else := null

delivery_evidence(d) := {
	"trail": trail_evidence(d.trail),
	"cloud_watch_logs_log_group_arn": object.get(d.trail.trail, "cloud_watch_logs_log_group_arn", null),
}

# --- stage 3: a metric filter on that log group that catches root activity --------------------

# The alert events the requirements name (all of them when the list is empty).
_required_alerts := {x | some x in arr(object.get(alerting, "required_events", []))}

_alert_required(e) if {
	count(_required_alerts) == 0
	count(e.alert_for) > 0
}

_alert_required(e) if {
	some a in e.alert_for
	a in _required_alerts
}

# The canonical CloudTrail events (data.canonical_events) a root detection must alert on.
must_alert := [e | some e in data.canonical_events; _alert_required(e)]

# Every metric filter pattern in the input.
_all_patterns := {f.filter_pattern |
	some doc in _accounts
	some region in doc.regions
	some f in arr(region.logs.metric_filters)
	is_string(f.filter_pattern)
}

# How each filter pattern treats the canonical events, computed once per pattern:
# its parse error ("" when it parses), the required root events it misses, and the events it
# counts that are not root activity (AWS-service events on root's behalf, other principals).
filter_judgements := {p: _judge_filter(p) | some p in _all_patterns}

_judge_filter(p) := _judgement(p, rootwarden.filter_error(p))

_judgement(p, "") := {
	"error": "",
	"missed": [e.id | some e in must_alert; not rootwarden.filter_matches(p, e.record)],
	"noise": [e.id | some e in data.canonical_events; _is_noise(e); rootwarden.filter_matches(p, e.record)],
}

# A pattern that does not parse counts nothing: every required event is missed.
_judgement(_, err) := {"error": err, "missed": [e.id | some e in must_alert], "noise": []} if err != ""

# The judgement of any pattern: precomputed for the input's patterns, computed for others.
judge_filter(p) := j if {
	j := filter_judgements[p]
} else := _judge_filter(p)

_is_noise(e) if e.noise != null

_is_noise(e) if not e.root

# Whether a CloudWatch Logs filter pattern catches root activity: it parses, and running every
# required canonical root event through it counts each one. Judged by what the pattern does, so
# a reordered or re-spaced CIS filter passes and a typo'd or negated one fails.
catches_root(pattern) if {
	is_string(pattern)
	j := judge_filter(pattern)
	j.error == ""
	count(j.missed) == 0
}

# Why a filter is not a root detection: "does not parse (...)" or "misses EVENT, ...".
filter_shortfall(f) := sprintf("filter %s does not parse (%s), so AWS would not count anything with it", [f.filter_name, j.error]) if {
	j := judge_filter(f.filter_pattern)
	j.error != ""
} else := sprintf("filter %s misses %s", [f.filter_name, concat(", ", j.missed)]) if {
	j := judge_filter(f.filter_pattern)
	count(j.missed) > 0
} else := sprintf("filter %s has no pattern", [f.filter_name])

# For each ok delivery: the metric filters on its log group and those that catch root activity.
filter_links := [l |
	some d in deliveries
	d.state == "ok"
	on_group := [f | some f in d.logs.metric_filters; f.log_group_name == d.log_group.name]
	l := {
		"delivery": d,
		"filters": on_group,
		"root_filters": [f | some f in on_group; catches_root(f.filter_pattern)],
	}
]

# Root filters on a qualifying trail's log group.
root_filters := [{"delivery": l.delivery, "filter": f} | some l in filter_links; some f in l.root_filters]

# Every account whose facts are in the input.
_accounts := object.union(related, {account_id: input.account})

# Root filters on log groups that no qualifying trail feeds: they never see the trail's events.
root_filters_elsewhere := [x |
	some id, doc in _accounts
	some r, region in doc.regions
	some f in arr(region.logs.metric_filters)
	catches_root(f.filter_pattern)
	not _fed(id, r, f.log_group_name)
	x := {"account_id": id, "region": r, "log_group_name": f.log_group_name, "filter_name": f.filter_name}
]

_fed(id, region, name) if {
	some d in deliveries
	d.state == "ok"
	d.log_group.account == id
	d.log_group.region == region
	d.log_group.name == name
}

filter_label(rf) := sprintf("root metric filter %s on %s", [rf.filter.filter_name, log_group_label(rf.delivery.log_group)])

# --- stage 4: an alarm that fires on one root event --------------------------------------------

_operators := {
	"GreaterThanOrEqualToThreshold": ">=",
	"GreaterThanThreshold": ">",
	"LessThanThreshold": "<",
	"LessThanOrEqualToThreshold": "<=",
}

_fires_on_one(a) if {
	a.comparison_operator == "GreaterThanOrEqualToThreshold"
	is_number(a.threshold)
	a.threshold <= 1
}

_fires_on_one(a) if {
	a.comparison_operator == "GreaterThanThreshold"
	is_number(a.threshold)
	a.threshold < 1
}

_datapoints(a) := d if {
	d := object.get(a, "datapoints_to_alarm", null)
	d != null
} else := a.evaluation_periods

sns_actions(a) := [x | some x in arr(a.alarm_actions); is_sns_topic_arn(x)]

# Why an alarm on a root filter's metric does not raise an alert on a single root event.
alarm_faults(a) := [m |
	some part in [
		[x |
			s := object.get(a, "statistic", null)
			s != null
			not s in {"Sum", "SampleCount", "Maximum"}
			x := sprintf("its statistic %s does not count single events", [s])
		],
		# An alarm without a statistic (an extended one, or one not read) is not known to count.
		[x | object.get(a, "statistic", null) == null; x := "it has no statistic that counts single events (Sum, SampleCount or Maximum)"],
		[x |
			not is_number(object.get(a, "threshold", null))
			x := "it has no static threshold"
		],
		[x |
			is_number(object.get(a, "threshold", null))
			not _fires_on_one(a)
			op := object.get(_operators, a.comparison_operator, a.comparison_operator)
			x := sprintf("it fires when the metric is %s %v, not on a single root event", [op, a.threshold])
		],
		[x |
			_datapoints(a) != 1
			x := sprintf("it needs %v breaching datapoints, not 1", [_datapoints(a)])
		],
		[x | a.actions_enabled != true; x := "its actions are disabled"],
		[x | count(sns_actions(a)) == 0; x := "none of its alarm actions is an SNS topic"],
	]
	some m in part
]

_metrics(f) := [{"namespace": mt.metric_namespace, "metric_name": mt.metric_name} |
	some mt in arr(f.metric_transformations)
]

_watches(a, metrics) if {
	some m in metrics
	a.namespace == m.namespace
	a.metric_name == m.metric_name
}

# Alarms on the same metric name in another namespace, or another name in the same namespace.
_near_miss(a, metrics) if {
	not _watches(a, metrics)
	some m in metrics
	a.metric_name == m.metric_name
}

_near_miss(a, metrics) if {
	not _watches(a, metrics)
	some m in metrics
	a.namespace == m.namespace
}

# For each root filter: the alarms on its metric (same account and region as the log group).
alarm_links := [_alarm_link(rf, section(rf.delivery.log_group.account, rf.delivery.log_group.region, "cloudwatch")) |
	some rf in root_filters
]

_alarm_link(rf, sec) := {
	"root_filter": rf,
	"state": "unknown",
	"text": sprintf("the alarms on %s cannot be read: %s", [filter_label(rf), sec.why]),
	"good": [],
} if {
	not sec.known
}

_alarm_link(rf, sec) := l if {
	sec.known
	metrics := _metrics(rf.filter)
	judged := [{"alarm": a, "faults": alarm_faults(a)} | some a in sec.value.alarms; _watches(a, metrics)]
	good := [j.alarm | some j in judged; count(j.faults) == 0]
	l := {
		"root_filter": rf,
		"state": _ok_if_any(good),
		"metrics": metrics,
		"judged": judged,
		"good": good,
		"near_misses": [{"alarm_name": a.alarm_name, "namespace": a.namespace, "metric_name": a.metric_name} |
			some a in sec.value.alarms
			_near_miss(a, metrics)
		],
	}
}

_ok_if_any(xs) := "ok" if {
	count(xs) > 0
} else := "fail"

_metric_names(metrics) := concat(", ", [sprintf("%s/%s", [m.namespace, m.metric_name]) | some m in metrics])

# Where a root filter's alarm link breaks: one entry per unusable alarm, or one for no alarm.
_alarm_breaks(l) := [b |
	some j in l.judged
	b := {
		"stage": 4,
		"region": l.root_filter.delivery.log_group.region,
		"resource": j.alarm.alarm_arn,
		"text": sprintf(
			"alarm %s on metric %s of %s cannot alert on a single root event: %s",
			[j.alarm.alarm_name, _metric_names(l.metrics), filter_label(l.root_filter), concat("; ", j.faults)],
		),
		"evidence": {
			"alarm_arn": j.alarm.alarm_arn,
			"faults": j.faults,
			"metric_filter": l.root_filter.filter.filter_name,
			"log_group_arn": l.root_filter.delivery.log_group.arn,
		},
	}
] if {
	count(l.judged) > 0
} else := [{
	"stage": 4,
	"region": l.root_filter.delivery.log_group.region,
	"resource": l.root_filter.delivery.log_group.arn,
	"text": sprintf("no CloudWatch alarm watches metric %s of %s", [_metric_names(l.metrics), filter_label(l.root_filter)]),
	"evidence": {
		"metric_filter": l.root_filter.filter.filter_name,
		"log_group_arn": l.root_filter.delivery.log_group.arn,
		"metrics": l.metrics,
		"alarms_on_other_metrics": l.near_misses,
		"note": "an alarm must watch the filter's metric name in the filter's namespace, in the log group's account and region",
	},
}]

# Alarms that fire on a single root event and notify an SNS topic.
good_alarms := [{"link": l, "alarm": a} | some l in alarm_links; l.state == "ok"; some a in l.good]

# --- stage 5: an SNS topic that reaches a person -----------------------------------------------

# A required endpoint pattern: exact, or with `*` matching any run of characters. (glob.match with
# the default "." delimiter would not let `*` cross dots, as in jane.doe@example.com, and would give
# `?`, `[` and `{` a meaning; a regex built from the escaped pattern avoids both.)
endpoint_pattern_matches(pattern, endpoint) if pattern == endpoint

endpoint_pattern_matches(pattern, endpoint) if {
	contains(pattern, "*")
	regex.match(concat("", ["^", _wildcard_regex(pattern), "$"]), endpoint)
}

_wildcard_regex(p) := replace(
	replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
		replace(p, `\`, `\\`),
		".", `\.`), "+", `\+`), "?", `\?`), "(", `\(`), ")", `\)`), "[", `\[`), "]", `\]`),
		"{", `\{`), "}", `\}`), "|", `\|`), "^", `\^`), "$", `\$`),
	"*", ".*",
)

accepted_endpoints := arr(object.get(alerting, "accepted_endpoints", []))

endpoint_accepted(endpoint) if count(accepted_endpoints) == 0

endpoint_accepted(endpoint) if {
	some p in accepted_endpoints
	endpoint_pattern_matches(p, endpoint)
}

_confirmed(s) if {
	s.pending_confirmation == false
	s.subscription_arn != "PendingConfirmation"
}

# Whether an SNS topic reaches a person: {"state": "ok"|"fail"|"unknown", "why": ..., ...}.
topic_verdict(arn) := v if {
	p := split(arn, ":")
	v := _topic_verdict(arn, p[4], p[3], section(p[4], p[3], "sns"))
}

_topic_verdict(arn, acct, region, sec) := {"state": "unknown", "why": sec.why} if {
	not sec.known
} else := {"state": "fail", "why": sprintf("it does not exist in account %s (%s)", [acct, region])} if {
	not _topic(sec.value, arn)
} else := {"state": "unknown", "why": "its subscriptions could not be read"} if {
	t := _topic(sec.value, arn)
	not is_array(t.subscriptions)
} else := v if {
	t := _topic(sec.value, arn)
	subs := [{"protocol": s.protocol, "endpoint": s.endpoint, "pending_confirmation": s.pending_confirmation} |
		some s in t.subscriptions
	]
	reaching := [s.endpoint | some s in t.subscriptions; _confirmed(s); endpoint_accepted(s.endpoint)]
	v := _reach(subs, reaching, [s | some s in t.subscriptions; _confirmed(s)])
}

_topic(sns, arn) := t if {
	some t in sns.topics
	t.topic_arn == arn
}

_reach(subs, reaching, confirmed) := {"state": "ok", "reaching": reaching, "subscriptions": subs} if {
	count(reaching) > 0
} else := {"state": "fail", "why": "it has no subscriptions", "subscriptions": subs} if {
	count(subs) == 0
} else := {"state": "fail", "why": "its only subscriptions are pending confirmation", "subscriptions": subs} if {
	count(confirmed) == 0
} else := {
	"state": "fail",
	"why": sprintf(
		"none of its confirmed subscriptions (%s) is an accepted endpoint (%s)",
		[concat(", ", [s.endpoint | some s in confirmed]), concat(", ", accepted_endpoints)],
	),
	"subscriptions": subs,
}

topic_label(arn) := sprintf("SNS topic %s in %s", [arn_name(arn), arn_region(arn)]) if {
	arn_account(arn) == account_id
} else := sprintf("SNS topic %s in %s of account %s", [arn_name(arn), arn_region(arn), arn_account(arn)])

# Each SNS action of each good alarm, with its verdict.
notification_links := [{"alarm": ga, "topic_arn": t, "verdict": topic_verdict(t)} |
	some ga in good_alarms
	some t in sns_actions(ga.alarm)
]

# --- the EventBridge alternative ---------------------------------------------------------------

eventbridge_allowed if alerting.allow_eventbridge == true

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

# The required canonical root events an EventBridge pattern does not deliver.
_missed_by_event_pattern(pattern) := [e.id | some e in must_alert; not rootwarden.event_pattern_matches(pattern, e.eventbridge)]

# The AWS-service and non-root canonical events an EventBridge pattern delivers.
event_pattern_noise(pattern) := [e.id | some e in data.canonical_events; _is_noise(e); rootwarden.event_pattern_matches(pattern, e.eventbridge)]

_enabled_states := {"ENABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"}

# Every EventBridge rule of this account on root activity, judged.
root_event_rules := [_event_rule(r, rule) |
	some r, region in input.account.regions
	some rule in arr(region.events.rules)
	_concerns_root(rule)
]

_event_rule(region, rule) := e if {
	pattern_error := rootwarden.event_pattern_error(rule.event_pattern)
	missing := _missed_by_event_pattern(rule.event_pattern)
	targets := [{"topic_arn": t.arn, "verdict": topic_verdict(t.arn)} |
		some t in arr(rule.targets)
		is_sns_topic_arn(t.arn)
	]
	ok_targets := [t | some t in targets; t.verdict.state == "ok"]
	unknown_targets := [t | some t in targets; t.verdict.state == "unknown"]
	faults := [m |
		some part in [
			[x | not rule.state in _enabled_states; x := sprintf("it is %s", [rule.state])],
			[x | pattern_error != ""; x := sprintf("its event pattern is not valid (%s), so it delivers nothing", [pattern_error])],
			[x |
				pattern_error == ""
				count(missing) > 0
				x := sprintf("its pattern does not match %s", [concat(", ", missing)])
			],
			[x | is_array(rule.targets); count(targets) == 0; x := "it has no SNS topic target"],
			[x |
				count(targets) > 0
				count(ok_targets) == 0
				count(unknown_targets) == 0
				x := concat("; ", [sprintf("%s reaches no person: %s", [topic_label(t.topic_arn), t.verdict.why]) |
					some t in targets
				])
			],
		]
		some m in part
	]
	unknowns := [m |
		some part in [
			[x | not is_array(rule.targets); x := "its targets could not be read"],
			[x |
				count(ok_targets) == 0
				some t in unknown_targets
				x := sprintf("%s cannot be judged: %s", [topic_label(t.topic_arn), t.verdict.why])
			],
		]
		some m in part
	]
	e := {
		"name": rule.name,
		"arn": rule.arn,
		"region": region,
		"state": rule.state,
		"missed_events": missing,
		"pattern_error": _nonempty(pattern_error),
		"event_pattern": rule.event_pattern,
		"targets": targets,
		"faults": faults,
		"unknowns": unknowns,
		"verdict": state(faults, unknowns),
	}
}

event_rule_evidence(r) := {
	"rule_arn": r.arn,
	"region": r.region,
	"state": r.state,
	"missed_events": r.missed_events,
	"pattern_error": r.pattern_error,
	"sns_targets": [{"topic_arn": t.topic_arn, "state": t.verdict.state, "why": object.get(t.verdict, "why", null)} |
		some t in r.targets
	],
	"faults": r.faults,
	"unknowns": r.unknowns,
}

# Root EventBridge rules that are a complete alert path.
eventbridge_complete := [r | some r in root_event_rules; r.verdict == "ok"]

# The requirements accept EventBridge and a complete EventBridge path exists.
eventbridge_accepted if {
	eventbridge_allowed
	count(eventbridge_complete) > 0
}

# The requirements accept EventBridge, no complete path is known, but one might exist.
eventbridge_undecided if {
	eventbridge_allowed
	count(eventbridge_complete) == 0
	count(eventbridge_unknown_reasons) > 0
}

eventbridge_unknown_reasons := [m |
	some part in [
		[x |
			some r, region in input.account.regions
			object.get(region, "events", null) == null
			x := sprintf("EventBridge rules in %s were not collected", [r])
		],
		[x |
			some e in root_event_rules
			e.verdict == "unknown"
			x := sprintf("EventBridge rule %s in %s: %s", [e.name, e.region, concat("; ", e.unknowns)])
		],
	]
	some m in part
]

# The not_applicable entry of rules 3-5 when a complete EventBridge path replaces them.
eventbridge_replacement := {
	"message": sprintf(
		"Root activity is alerted on by EventBridge rule %s (%s), an accepted alternative to the metric filter path.",
		[eventbridge_complete[0].name, eventbridge_complete[0].arn],
	),
	"evidence": {"eventbridge_rules": [event_rule_evidence(r) | some r in eventbridge_complete]},
} if {
	eventbridge_accepted
}

# --- verdicts per stage --------------------------------------------------------------------------

# Some chain is ok through stage n (n >= 3; rules 1 and 2 judge their own stage).
chain_ok(n) if {
	n == 3
	count(root_filters) > 0
}

chain_ok(n) if {
	n == 4
	count(good_alarms) > 0
}

chain_ok(n) if {
	n == 5
	some l in notification_links
	l.verdict.state == "ok"
}

# Why a chain through stage n might exist although none is known to.
undecided_reasons(n) := [m |
	some part in [
		[x |
			some e in undecided_trails
			x := sprintf("%s might qualify, but %s", [trail_label(e), concat(" and ", e.unknowns)])
		],
		[x | n >= 2; some d in deliveries; d.state == "unknown"; x := d.text],
		[x | n >= 4; some l in alarm_links; l.state == "unknown"; x := l.text],
		[x |
			n >= 5
			some l in notification_links
			l.verdict.state == "unknown"
			x := sprintf(
				"%s (action of alarm %s) cannot be judged: %s",
				[topic_label(l.topic_arn), l.alarm.alarm.alarm_name, l.verdict.why],
			)
		],
	]
	some m in part
]

undecided_upto(n) if count(undecided_reasons(n)) > 0

# Where every chain breaks: {"stage", "region", "resource", "text", "evidence"} with text a
# lower-case clause. Only meaningful when no chain is ok through the stage in question.
breaks := [b |
	some part in [
		[x | count(qualifying_trails) == 0; x := no_trail_break],
		[x |
			some d in deliveries
			d.state == "fail"
			x := {
				"stage": 2,
				"region": d.trail.home_region,
				"resource": d.trail.arn,
				"text": d.text,
				"evidence": delivery_evidence(d),
			}
		],
		[x | some l in filter_links; count(l.root_filters) == 0; x := _no_filter_break(l)],
		[x | some l in alarm_links; l.state == "fail"; some x in _alarm_breaks(l)],
		[x | some l in notification_links; l.verdict.state == "fail"; x := _topic_break(l)],
	]
	some b in part
]

breaks_upto(n) := [b | some b in breaks; b.stage <= n]

no_trail_break := {
	"stage": 1,
	"region": null,
	"resource": util.root_arn,
	"text": sprintf(
		"account %s has no qualifying CloudTrail trail (multi-region, logging, recording read and write management events)",
		[account_id],
	),
	"evidence": {"trails": [trail_evidence(e) | some e in trails]},
}

_no_filter_break(l) := {
	"stage": 3,
	"region": l.delivery.log_group.region,
	"resource": l.delivery.log_group.arn,
	"text": _no_filter_text(l),
	"evidence": object.union(
		{
			"trail_arn": l.delivery.trail.arn,
			"log_group_arn": l.delivery.log_group.arn,
			"required_events": [e.id | some e in must_alert],
			"metric_filters_on_log_group": [_filter_evidence(f) | some f in l.filters],
			"root_filters_on_other_log_groups": root_filters_elsewhere,
		},
		_elsewhere_note,
	),
}

_no_filter_text(l) := sprintf("no root metric filter on %s (fed by %s)", [log_group_label(l.delivery.log_group), trail_label(l.delivery.trail)]) if {
	count(l.filters) == 0
} else := sprintf(
	"no metric filter on %s (fed by %s) counts every required root event: %s",
	[log_group_label(l.delivery.log_group), trail_label(l.delivery.trail), concat("; ", [filter_shortfall(f) | some f in l.filters])],
)

_filter_evidence(f) := {
	"filter_name": f.filter_name,
	"filter_pattern": f.filter_pattern,
	"parse_error": _nonempty(object.get(filter_judgements, [f.filter_pattern, "error"], "")),
	"missed_events": object.get(filter_judgements, [f.filter_pattern, "missed"], []),
}

_nonempty(s) := s if s != ""

else := null

_elsewhere_note := {"note": "a root metric filter on a log group the trail does not feed never sees root activity"} if {
	count(root_filters_elsewhere) > 0
} else := {}

_topic_break(l) := {
	"stage": 5,
	"region": arn_region(l.topic_arn),
	"resource": l.topic_arn,
	"text": sprintf(
		"%s, notified by alarm %s, reaches no person: %s",
		[topic_label(l.topic_arn), l.alarm.alarm.alarm_name, l.verdict.why],
	),
	"evidence": {
		"topic_arn": l.topic_arn,
		"alarm_arn": l.alarm.alarm.alarm_arn,
		"subscriptions": object.get(l.verdict, "subscriptions", null),
		"accepted_endpoints": accepted_endpoints,
	},
}

# The deny entries of a chain rule for stage n (3-5): breaks before stage n get the prefix
# ("No alarm possible: ..."), breaks at stage n are sentences of their own.
chain_denials(n, prefix) := {f |
	not eventbridge_accepted
	not eventbridge_undecided
	not chain_ok(n)
	not undecided_upto(n)
	some b in breaks_upto(n)
	f := finding(b.region, b.resource, chain_message(b, n, prefix), b.evidence)
}

# A break's message in a rule for stage n: its own sentence at stage n, else behind the prefix.
chain_message(b, n, _) := sentence(b.text) if b.stage == n

chain_message(b, n, prefix) := concat("", [prefix, ": ", b.text, "."]) if b.stage != n

# The insufficient_data entries of a chain rule for stage n (3-5).
chain_insufficient(n, what) := {r |
	not eventbridge_accepted
	not chain_ok(n)
	reasons := array.concat(undecided_reasons(n), _eventbridge_reasons)
	count(reasons) > 0
	r := {
		"message": sprintf("Cannot decide whether %s: %s.", [what, concat("; ", reasons)]),
		"evidence": {"reasons": reasons},
	}
}

_eventbridge_reasons := eventbridge_unknown_reasons if {
	eventbridge_undecided
} else := []

# The not_applicable entries of a chain rule (3-5).
chain_not_applicable contains eventbridge_replacement if eventbridge_accepted
