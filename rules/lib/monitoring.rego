# The chain that proves root activity is watched, computed once for every monitoring rule:
#
#   qualifying CloudTrail trail -> its CloudWatch Logs log group -> a metric filter that catches
#   root activity -> an alarm that fires on one event -> an SNS topic that reaches a person
#
# The alternative EventBridge path is judged in rules/lib/eventbridge.rego, the two weighed
# against each other in rules/lib/detection.rego, and whether an alarm fires on one event is
# computed in rules/lib/alarm_arithmetic.rego.
#
# Every link is judged "ok", "fail" or "unknown" (a fact that could not be collected). A rule
# passes when some chain is ok up to its link, answers insufficient_data when none is ok but one
# is unknown, and denies otherwise, naming where each chain breaks. An organization trail seen in
# a member account delivers to its owner's log group, so the chain continues in
# input.related_accounts[owner].
#
# Stages, numbered for chain_ok / undecided_upto / breaks_upto:
#   1 trail, 2 delivery to a log group, 3 root metric filter, 4 alarm, 5 notification.
# (One file: regorus 0.14 evaluates a package spread over several files wrongly — split by stage,
# RW-MON-002..005 passed on a trail that is not logging; tests/split_packages.rs — so the stages
# are sections of this file, and the loader refuses any package declared in two files. Generic
# helpers are in util.rego.)
package rootwarden.lib.monitoring

import rego.v1

import data.rootwarden.lib.alarm_arithmetic as arith
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

# "ok" unless there are faults ("fail") or unknowns ("unknown"); faults win.
state(faults, unknowns) := "fail" if {
	count(faults) > 0
} else := "unknown" if {
	count(unknowns) > 0
} else := "ok"

# Every account whose facts are in the input.
_accounts := object.union(related, {account_id: input.account})

# A deny entry for this account.
finding(region, resource, message, evidence) := {
	"account_id": account_id,
	"region": region,
	"resource": resource,
	"message": message,
	"evidence": evidence,
}

# --- stage 1: trails -----------------------------------------------------------------------------

# Every trail ARN seen in any region of the account; shadow copies fold into one.
trail_arns contains t.trail_arn if {
	some region in input.account.regions
	some t in util.arr(region.cloudtrail.trails)
}

# Copies of a trail: in this account's regions and, for a trail owned by a related account, in the
# owner's regions (the owner may have read facts a member could not).
_copies(arn) := array.concat(
	[{"trail": t, "account": account_id, "region": r} |
		some r, region in input.account.regions
		some t in util.arr(region.cloudtrail.trails)
		t.trail_arn == arn
	],
	[{"trail": t, "account": owner, "region": r} |
		owner := util.arn_account(arn)
		owner != account_id
		some r, region in related[owner].regions
		some t in util.arr(region.cloudtrail.trails)
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
			owner := util.arn_account(t.trail_arn)
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

_records_management(t) if _classic_read_write(util.arr(object.get(t, "event_selectors", null)))

_records_management(t) if _advanced_read_write(util.arr(object.get(t, "advanced_event_selectors", null)))

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
	some f in util.arr(s.field_selectors)
	f.field == "eventCategory"
	"Management" in util.arr(object.get(f, "equals", null))
	not _narrowed(s)
}

_narrowed(s) if {
	some f in util.arr(s.field_selectors)
	not f.field in {"eventCategory", "readOnly"}
	some k in ["equals", "starts_with", "ends_with"]
	count(util.arr(object.get(f, k, null))) > 0
}

# A readOnly field selector of s rules out value v ("true" or "false").
_read_only_excludes(s, v) if {
	some f in util.arr(s.field_selectors)
	f.field == "readOnly"
	is_array(object.get(f, "equals", null))
	not v in f.equals
}

_read_only_excludes(s, v) if {
	some f in util.arr(s.field_selectors)
	f.field == "readOnly"
	v in util.arr(object.get(f, "not_equals", null))
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
		"owner": util.arn_account(arn),
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

# --- stage 2: delivery to a CloudWatch Logs log group --------------------------------------------

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

# --- stage 3: a metric filter on that log group that catches root activity -----------------------

# The alert events the requirements name (all of them when the list is empty).
_required_alerts := {x | some x in util.arr(object.get(alerting, "required_events", []))}

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
	some f in util.arr(region.logs.metric_filters)
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
	"noise": [e.id | some e in data.canonical_events; is_noise(e); rootwarden.filter_matches(p, e.record)],
}

# A pattern that does not parse counts nothing: every required event is missed.
_judgement(_, err) := {"error": err, "missed": [e.id | some e in must_alert], "noise": []} if err != ""

# The judgement of any pattern: precomputed for the input's patterns, computed for others.
judge_filter(p) := j if {
	j := filter_judgements[p]
} else := _judge_filter(p)

is_noise(e) if e.noise != null

is_noise(e) if not e.root

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

# For each ok delivery: the metric filters on its log group, those that catch root activity (as
# far as AWS's answer confirms), and those AWS's answer leaves undecided.
filter_links := [l |
	some d in deliveries
	d.state == "ok"
	on_group := [f | some f in d.logs.metric_filters; f.log_group_name == d.log_group.name]
	l := {
		"delivery": d,
		"filters": on_group,
		"root_filters": [f |
			some f in on_group
			catches_root(f.filter_pattern)
			filter_oracle(f, must_alert).state == "ok"
		],
		"undecided": [{"filter": f, "oracle": o} |
			some f in on_group
			o := filter_oracle(f, must_alert)
			o.state == "unknown"
		],
	}
]

# Root filters on a qualifying trail's log group.
root_filters := [{"delivery": l.delivery, "filter": f} | some l in filter_links; some f in l.root_filters]

# Root filters on log groups that no qualifying trail feeds: they never see the trail's events.
root_filters_elsewhere := [x |
	some id, doc in _accounts
	some r, region in doc.regions
	some f in util.arr(region.logs.metric_filters)
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

# --- AWS as the oracle (--verify-filters) --------------------------------------------------------

# With --verify-filters the snapshot holds, per metric filter, CloudWatch Logs' own answer for the
# canonical events (logs:TestMetricFilter). A filter is judged only where AWS and rootwarden's
# engine agree on the events the control is about; where they disagree, or AWS could not answer,
# the filter is undecided (insufficient data), never passed on rootwarden's word alone.

# AWS's answer for a filter. The snapshot reader requires the field; hand-written inputs that omit
# it mean "not asked". null is not an answer.
aws_test(f) := t if {
	t := object.get(f, "aws_test", {"status": "not_run"})
	is_object(t)
} else := {"status": "unknown"}

# The canonical events whose counting is noise.
noise_events := [e | some e in data.canonical_events; is_noise(e)]

# Where AWS's answer for `events` differs from rootwarden's engine, or AWS was not asked.
_oracle_differences(f, events, answers) := [{"id": e.id, "aws": theirs, "rootwarden": ours} |
	some e in events
	ours := rootwarden.filter_matches(f.filter_pattern, e.record)
	theirs := object.get(answers, e.id, null)
	theirs != ours
]

_difference_text(d) := sprintf("%s (AWS counts it, rootwarden does not)", [d.id]) if {
	d.aws == true
} else := sprintf("%s (rootwarden counts it, AWS does not)", [d.id]) if {
	d.aws == false
} else := sprintf("%s (AWS was not asked about it)", [d.id])

# Whether AWS's answer lets the filter be judged on `events`: {"state": "ok"} (AWS agrees, or was
# not asked), or {"state": "unknown", "text": ..., "evidence": ...}.
filter_oracle(f, events) := _oracle(f, events, aws_test(f))

_oracle(_, _, t) := {"state": "ok"} if t.status == "not_run"

_oracle(f, events, t) := _agreement(_oracle_differences(f, events, t.events)) if _answered(t)

_oracle(_, _, t) := {
	"state": "unknown",
	"text": sprintf(
		"AWS could not test its pattern (logs:TestMetricFilter: %s: %s)",
		[object.get(t, "error_code", "unknown error"), object.get(t, "message", "")],
	),
	"evidence": {"aws_test": t},
} if {
	t.status == "failed"
}

_oracle(_, _, t) := {
	"state": "unknown",
	"text": "AWS's answer for its pattern was not recorded",
	"evidence": {"aws_test": t},
} if {
	not t.status in {"not_run", "failed"}
	not _answered(t)
}

_answered(t) if {
	t.status == "tested"
	is_object(object.get(t, "events", null))
}

_agreement(diffs) := {"state": "ok"} if {
	count(diffs) == 0
} else := {
	"state": "unknown",
	"text": sprintf(
		"rootwarden's filter engine disagrees with AWS (logs:TestMetricFilter) on %s",
		[concat(", ", [_difference_text(d) | some d in diffs])],
	),
	"evidence": {"disagreements": diffs},
}

# --- stage 4: an alarm that fires on one root event ----------------------------------------------

# Whether an alarm raises an alert when root acts once is computed by the alarm arithmetic
# (rules/lib/alarm_arithmetic.rego) from the filter's metric value, default value, unit and
# dimensions and the alarm's statistic, period, threshold, dimensions, unit and evaluation
# settings; here only its actions are added.

sns_actions(a) := [x | some x in util.arr(a.alarm_actions); util.is_sns_topic_arn(x)]

# The account whose root events the alarm must see, for dimensions taken from the event.
judge_ctx := {"account_id": account_id, "partition": object.get(input.account, "partition", "aws")}

# Why an alarm's actions cannot notify anyone.
_action_faults(a) := [m |
	some part in [
		[x | a.actions_enabled != true; x := "its actions are disabled"],
		[x | count(sns_actions(a)) == 0; x := "none of its alarm actions is an SNS topic"],
	]
	some m in part
]

# Whether alarm `a`, on the metric of transformation `t`, alerts on a single root event:
# {"state": "ok"|"fail"|"unknown", "faults", "unknowns", "delay_periods"}.
alarm_verdict(a, t) := v if {
	view := arith.alarm_view(a)
	j := arith.judge(a, view, t, must_alert, judge_ctx)
	faults := array.concat(j.faults, _action_faults(a))
	v := {"state": state(faults, j.unknowns), "faults": faults, "unknowns": j.unknowns, "delay_periods": j.delay_periods}
} else := v if {
	mx := arith.math_expression(a)
	faults := _action_faults(a)
	unknowns := [_math_unknown(mx)]
	v := {"state": state(faults, unknowns), "faults": faults, "unknowns": unknowns, "delay_periods": 0}
}

_math_unknown(mx) := sprintf("it alarms on the metric math expression %s, which rootwarden does not compute", [concat(", ", mx.expressions)]) if {
	count(mx.expressions) > 0
} else := "it alarms on metric math queries rootwarden does not compute"

# The transformation a new CIS root filter would add for an alarm's metric (remediation reuses
# alarms that would alert once fed by it), in logs section `logs`.
hypothetical_transformation(a, logs) := {
	"metric_name": a.metric_name,
	"metric_namespace": a.namespace,
	"metric_value": "1",
	"default_value": "not_set",
	"unit": "None",
	"dimensions": {},
	"other_units": _units_of(a.namespace, a.metric_name, logs),
}

# The units every filter of a logs section publishes to a metric.
_units_of(namespace, name, logs) := [mt.unit |
	some f in util.arr(logs.metric_filters)
	some mt in util.arr(f.metric_transformations)
	mt.metric_namespace == namespace
	mt.metric_name == name
]

# A root filter's transformations, each with the units the log group's filters publish to its
# metric (an alarm without a unit on a metric with several is undefined).
_transformations(rf) := [object.union(t, {"other_units": _units_of(t.metric_namespace, t.metric_name, rf.delivery.logs)}) |
	some t in util.arr(rf.filter.metric_transformations)
]

_metrics(f) := [{"namespace": mt.metric_namespace, "metric_name": mt.metric_name} |
	some mt in util.arr(f.metric_transformations)
]

# The metric (namespace and name) an alarm reads: the alarm's own, or its metric math query's.
_reads(a, m) if {
	v := arith.alarm_view(a)
	v.namespace == m.namespace
	v.metric_name == m.metric_name
}

_reads(a, m) if {
	some x in arith.math_expression(a).metrics
	x.namespace == m.namespace
	x.metric_name == m.metric_name
}

_watches(a, metrics) if {
	some m in metrics
	_reads(a, m)
}

# The transformation of `ts` whose metric an alarm reads (the first one).
_watched(a, ts) := [t | some t in ts; _reads(a, {"namespace": t.metric_namespace, "metric_name": t.metric_name})][0]

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
	ts := _transformations(rf)
	judged := [{"alarm": a, "faults": v.faults, "unknowns": v.unknowns, "state": v.state, "delay_periods": v.delay_periods} |
		some a in sec.value.alarms
		t := _watched(a, ts)
		v := alarm_verdict(a, t)
	]
	good := [j.alarm | some j in judged; j.state == "ok"]
	undecided := [j | some j in judged; j.state == "unknown"]
	l := {
		"root_filter": rf,
		"state": _link_state(good, undecided),
		"text": _undecided_text(rf, undecided),
		"metrics": metrics,
		"judged": judged,
		"good": good,
		"near_misses": [{"alarm_name": a.alarm_name, "namespace": a.namespace, "metric_name": a.metric_name} |
			some a in sec.value.alarms
			_near_miss(a, metrics)
		],
	}
}

_link_state(good, undecided) := "ok" if {
	count(good) > 0
} else := "unknown" if {
	count(undecided) > 0
} else := "fail"

_undecided_text(rf, undecided) := concat("; ", [sprintf("alarm %s on %s might alert on a single root event, but %s", [j.alarm.alarm_name, filter_label(rf), concat("; ", j.unknowns)]) |
	some j in undecided
])

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

# --- stage 5: an SNS topic that reaches a person -------------------------------------------------

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

accepted_endpoints := util.arr(object.get(alerting, "accepted_endpoints", []))

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
} else := {"state": "fail", "absent": true, "why": sprintf("it does not exist in account %s (%s)", [acct, region])} if {
	not _topic(sec.value, arn)
	arn in util.arr(object.get(sec.value, "absent_topics", []))
} else := {"state": "unknown", "why": sprintf("it was not collected in account %s (%s)", [acct, region])} if {
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

# The topic of an ARN as collected (with its attributes); undefined when not collected.
topic_of(arn) := t if {
	p := split(arn, ":")
	sec := section(p[4], p[3], "sns")
	sec.known
	t := _topic(sec.value, arn)
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

topic_label(arn) := sprintf("SNS topic %s in %s", [util.arn_name(arn), util.arn_region(arn)]) if {
	util.arn_account(arn) == account_id
} else := sprintf("SNS topic %s in %s of account %s", [util.arn_name(arn), util.arn_region(arn), util.arn_account(arn)])

# Each SNS action of each good alarm, with its verdict.
notification_links := [{"alarm": ga, "topic_arn": t, "verdict": topic_verdict(t)} |
	some ga in good_alarms
	some t in sns_actions(ga.alarm)
]

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
		[x |
			n >= 3
			some l in filter_links
			some u in l.undecided
			x := sprintf(
				"metric filter %s on %s: %s",
				[u.filter.filter_name, log_group_label(l.delivery.log_group), u.oracle.text],
			)
		],
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
	"parse_error": util.nonempty(object.get(filter_judgements, [f.filter_pattern, "error"], "")),
	"missed_events": object.get(filter_judgements, [f.filter_pattern, "missed"], []),
}

_elsewhere_note := {"note": "a root metric filter on a log group the trail does not feed never sees root activity"} if {
	count(root_filters_elsewhere) > 0
} else := {}

_topic_break(l) := {
	"stage": 5,
	"region": util.arn_region(l.topic_arn),
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

# The deny entries of the metric-filter chain for stage n (3-5): breaks before stage n get the
# prefix ("No alarm possible: ..."), breaks at stage n are sentences of their own.
# (rules/lib/detection.rego weighs them against the EventBridge path.)
chain_denials(n, prefix) := {f |
	not chain_ok(n)
	not undecided_upto(n)
	some b in breaks_upto(n)
	f := finding(b.region, b.resource, chain_message(b, n, prefix), b.evidence)
}

# A break's message in a rule for stage n: its own sentence at stage n, else behind the prefix.
chain_message(b, n, _) := util.sentence(b.text) if b.stage == n

chain_message(b, n, prefix) := concat("", [prefix, ": ", b.text, "."]) if b.stage != n
