# Alarm arithmetic: does a CloudWatch alarm on a metric filter's metric raise an alert when root
# acts once? Computed from what CloudWatch Logs publishes and what the alarm computes, never read
# from the configuration's shape (docs/alarm-semantics.md has the table and the sources):
#
# - A metric filter publishes, for each matching log event, its metricValue (a number, or a
#   `$.field` of the event); for a minute in which log events arrived but none matched, its
#   defaultValue when one is set; nothing for a minute without log events. Its dimensions take
#   their values from fields of the event; its unit is the filter's (AWS's `None` by default).
# - The alarm sees only datapoints of its exact metric: namespace, name and every dimension; and,
#   when it names a unit, only datapoints of that unit.
# - A period holding exactly one root event holds that event's value and, with a defaultValue,
#   the default of each other minute with log events: 0 to ceil(period / 60) - 1 of them. Every
#   such period must breach; a period without the root event must not (or the alarm already
#   rests in ALARM and a root event sends nothing, alarm actions run on a change of state).
# - Then the evaluation periods, datapoints to alarm and treatment of missing data decide
#   whether that one breaching datapoint moves the alarm to ALARM.
#
# Pure functions: every fact comes in as an argument. A fact that was not collected (`null`) is
# an unknown, never a pass.
package rootwarden.lib.alarm_arithmetic

import rego.v1

# The account id the canonical CloudTrail events are written for (fixtures/cloudtrail): replaced
# by the judged account's when a dimension takes its value from the event.
canonical_account := "111122223333"

_number_re := `^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$`

_plain := {"SampleCount", "Sum", "Average", "Minimum", "Maximum"}

operators := {
	"GreaterThanOrEqualToThreshold": ">=",
	"GreaterThanThreshold": ">",
	"LessThanThreshold": "<",
	"LessThanOrEqualToThreshold": "<=",
}

# Fields every root event of an account (of one kind: sign-in, API call) carries with the same
# value. A dimension on any other field (eventName, awsRegion, sourceIPAddress...) takes another
# value from one root event to the next, so an alarm on one value misses the others.
stable_fields := {
	"userIdentity.type",
	"userIdentity.accountId",
	"userIdentity.arn",
	"userIdentity.principalId",
	"recipientAccountId",
	"eventType",
	"eventCategory",
	"managementEvent",
}

# --- numbers and fields ------------------------------------------------------------------------

_num(x) := x if is_number(x)

_num(x) := to_number(x) if {
	is_string(x)
	regex.match(_number_re, x)
}

# The value at a `$.a.b` reference in a JSON log event; undefined when absent or null.
field(record, ref) := v if {
	is_string(ref)
	startswith(ref, "$.")
	v := object.get(record, split(substring(ref, 2, -1), "."), null)
	v != null
}

# A setting collected as a value or "not_set": {"set": bool, "value": v}; undefined when null.
setting(x) := {"set": false} if x == "not_set"

else := {"set": true, "value": x} if x != null

# --- statistics ----------------------------------------------------------------------------------

# A statistic, parsed: {"kind": "SampleCount"|"Sum"|"Average"|"Minimum"|"Maximum"|"p"|"TM"|"WM"|
# "TC"|"TS"|"PR", "extended": bool, "percent": bool, "nn": percentile, "lo"/"hi": bounds}.
# Undefined for a statistic CloudWatch does not define.
parse_statistic(s) := {"kind": s, "extended": false, "percent": false} if {
	s in _plain
} else := {"kind": "p", "extended": true, "percent": true, "nn": to_number(substring(s, 1, -1))} if {
	regex.match(`^p(100(\.0{1,10})?|[0-9]{1,2}(\.[0-9]{1,10})?)$`, s)
} else := {"kind": "TM", "extended": true, "percent": true, "lo": 25, "hi": 75} if {
	s == "IQM"
} else := {"kind": upper(substring(s, 0, 2)), "extended": true, "percent": true, "lo": 0, "hi": to_number(substring(s, 2, -1))} if {
	regex.match(`^(tm|wm|tc|ts)(100(\.0{1,10})?|[0-9]{1,2}(\.[0-9]{1,10})?)$`, s)
} else := _ranged(s) if {
	regex.match(`^(TM|WM|TC|TS|PR)\([^:()]*:[^:()]*\)$`, s)
}

# TM(10%:90%), TC(0.005:0.030), PR(:300), ...: bounds are percentiles (with %) or values.
_ranged(s) := st if {
	kind := substring(s, 0, 2)
	parts := split(substring(s, 3, count(s) - 4), ":")
	lo := _bound(parts[0])
	hi := _bound(parts[1])
	some_set := [b | some b in [lo, hi]; b.set]
	count(some_set) > 0
	pct := some_set[0].percent
	every b in some_set {
		b.percent == pct
	}
	not _percent_rank_in_percent(kind, pct)
	st := {
		"kind": kind,
		"extended": true,
		"percent": pct,
		"lo": _bound_value(lo, pct, 0),
		"hi": _bound_value(hi, pct, 100),
	}
}

_percent_rank_in_percent("PR", true) := true

_bound(b) := {"set": false, "percent": false} if {
	b == ""
} else := {"set": true, "percent": true, "n": to_number(trim_suffix(b, "%"))} if {
	regex.match(`^[0-9]+(\.[0-9]{1,10})?%$`, b)
} else := {"set": true, "percent": false, "n": to_number(b)} if {
	regex.match(`^-?[0-9]+(\.[0-9]+)?$`, b)
}

# A bound's value; an absent one is the edge (0% or 100%), or no limit (null) for values.
_bound_value(b, _, _) := b.n if b.set

_bound_value(b, true, edge) := edge if not b.set

_bound_value(b, false, _) := null if not b.set

# --- the statistic of a period ---------------------------------------------------------------------

# A period's datapoints as [[value, count], ...]; each outcome is {"value": x}, {"none": why}
# (no datapoint for the period) or {"unknown": why}. Several outcomes: CloudWatch may give any of
# them (the statistic then lies between them, and a threshold splits numbers into two halves, so
# the extremes decide).
outcomes(st, groups) := [{"value": _n(groups)}] if {
	st.kind == "SampleCount"
} else := [{"value": _total(groups)}] if {
	st.kind == "Sum"
} else := [{"value": _total(groups) / _n(groups)}] if {
	st.kind == "Average"
} else := [{"value": _lowest(groups)}] if {
	st.kind == "Minimum"
} else := [{"value": _highest(groups)}] if {
	st.kind == "Maximum"
} else := [{"none": "CloudWatch computes no percentile-type statistic of a metric with negative values"}] if {
	_lowest(groups) < 0
} else := _percentile(st, groups) if {
	st.kind == "p"
} else := _percent_trimmed(st, groups) if {
	st.percent
} else := _absolute(st, groups)

_n(groups) := sum([g[1] | some g in groups])

_total(groups) := sum([x | some g in groups; x := g[0] * g[1]])

_lowest(groups) := min([g[0] | some g in groups])

_highest(groups) := max([g[0] | some g in groups])

_distinct(groups) := count({g[0] | some g in groups})

# Percentiles of one value are that value; p100 is the maximum, p0 the minimum; between two
# values, which one (or where between them) depends on how many datapoints the period holds.
_percentile(st, groups) := [{"value": groups[0][0]}] if {
	_distinct(groups) == 1
} else := [{"value": _highest(groups)}] if {
	st.nn == 100
} else := [{"value": _lowest(groups)}] if {
	st.nn == 0
} else := [{"value": _lowest(groups)}, {"value": _highest(groups)}]

# Trimmed and winsorized statistics with percentile bounds: of identical values, every value
# lies on both bounds; of a mixed period, whether the one extreme value is trimmed depends on how
# CloudWatch rounds a share of a handful of datapoints, which it does not document.
_percent_trimmed(st, groups) := [{"value": groups[0][0]}] if {
	_distinct(groups) == 1
	st.kind in {"TM", "WM"}
} else := [{"value": _n(groups)}] if {
	_distinct(groups) == 1
	st.kind == "TC"
} else := [{"value": _total(groups)}] if {
	_distinct(groups) == 1
	st.kind == "TS"
} else := [{"value": _lowest(groups)}, {"value": _highest(groups)}] if {
	st.kind in {"TM", "WM"}
} else := [{"unknown": sprintf("CloudWatch does not document how %s rounds the share of a few datapoints it trims", [st.kind])}]

# Statistics with value bounds: a value counts when lower < value <= upper.
_absolute(st, groups) := out if {
	kept := [g | some g in groups; _inside(g[0], st)]
	out := _absolute_of(st, groups, kept)
}

_absolute_of(st, groups, kept) := [{"none": "no datapoint lies within its bounds"}] if {
	st.kind == "TM"
	count(kept) == 0
} else := [{"value": _total(kept) / _n(kept)}] if {
	st.kind == "TM"
} else := [{"value": _n(kept)}] if {
	st.kind == "TC"
} else := [{"value": 0}, {"none": "no datapoint lies within its bounds"}] if {
	st.kind == "TS"
	count(kept) == 0
} else := [{"value": _total(kept)}] if {
	st.kind == "TS"
} else := [{"value": (100 * _n(kept)) / _n(groups)}] if {
	st.kind == "PR"
} else := [{"value": _total([[_clamp(g[0], st), g[1]] | some g in groups]) / _n(groups)}] if {
	st.kind == "WM"
}

_inside(x, st) if {
	_above(x, st.lo)
	_at_most(x, st.hi)
}

_above(_, null) := true

_above(x, lo) if {
	lo != null
	x > lo
}

_at_most(_, null) := true

_at_most(x, hi) if {
	hi != null
	x <= hi
}

_clamp(x, st) := st.lo if {
	st.lo != null
	x < st.lo
} else := st.hi if {
	st.hi != null
	x > st.hi
} else := x

# Whether an outcome breaches: "yes", "no" (a number within the threshold, or no datapoint) or
# "unknown".
breaches(o, op, threshold) := "yes" if {
	is_number(o.value)
	_compare(o.value, op, threshold)
} else := "no" if {
	is_number(o.value)
} else := "no" if {
	is_string(o.none)
} else := "unknown"

_compare(x, "GreaterThanOrEqualToThreshold", t) if x >= t

_compare(x, "GreaterThanThreshold", t) if x > t

_compare(x, "LessThanThreshold", t) if x < t

_compare(x, "LessThanOrEqualToThreshold", t) if x <= t

# --- what the filter publishes for an event ---------------------------------------------------------

# The value a filter transformation publishes for a matching event: {"value": n}, {"none": why} or
# {"unknown": why}.
event_value(t, e) := _event_value(metric_value_kind(t), e)

# What a transformation's metricValue is: {"number": n}, {"field": ref} or {"unknown": why}
# (classified once per transformation, not per event).
metric_value_kind(t) := {"unknown": "the filter's metric value was not collected"} if {
	not is_string(t.metric_value)
} else := {"number": to_number(t.metric_value)} if {
	regex.match(_number_re, t.metric_value)
} else := {"field": t.metric_value} if {
	startswith(t.metric_value, "$.")
} else := {"unknown": sprintf("the filter's metric value %s is neither a number nor a $.field of a JSON log event", [t.metric_value])}

_event_value(kind, e) := {"value": kind.number} if {
	is_number(kind.number)
} else := {"value": _num(field(e.record, kind.field))} if {
	is_string(kind.field)
	_num(field(e.record, kind.field))
} else := {"none": sprintf("the event has no number at %s, so the filter publishes nothing for it", [kind.field])} if {
	is_string(kind.field)
} else := {"unknown": kind.unknown}

# The dimensions a transformation publishes for an event, as the account's own events carry
# them: {"value": {name: value}}, or {"fault": why} / {"unknown": why}.
event_dimensions(t, e, ctx) := {"value": {}} if {
	is_object(t.dimensions)
	count(t.dimensions) == 0
} else := {"unknown": concat("; ", odd)} if {
	is_object(t.dimensions)
	odd := [sprintf("dimension %s takes %s, not a $.field of a JSON log event", [k, ref]) |
		some k, ref in t.dimensions
		not startswith(ref, "$.")
	]
	count(odd) > 0
} else := {"fault": concat("; ", varying)} if {
	is_object(t.dimensions)
	varying := [sprintf("dimension %s takes %s, which differs from one root event to the next, so an alarm on one of its values misses root events with the others", [k, ref]) |
		some k, ref in t.dimensions
		not substring(ref, 2, -1) in stable_fields
	]
	count(varying) > 0
} else := {"fault": concat("; ", absent)} if {
	is_object(t.dimensions)
	absent := [sprintf("the event has no %s for dimension %s", [ref, k]) |
		some k, ref in t.dimensions
		not field(e.record, ref)
	]
	count(absent) > 0
} else := {"value": {k: instantiate(field(e.record, ref), ctx) | some k, ref in t.dimensions}} if {
	is_object(t.dimensions)
}

# A field of a canonical event as the judged account's own event carries it.
instantiate(v, ctx) := replace(
	replace(sprintf("%v", [v]), canonical_account, ctx.account_id),
	"arn:aws:", sprintf("arn:%s:", [ctx.partition]),
)

_dimension_object(dims) := {d.name: d.value | some d in dims}

# --- the alarm's view of its metric ----------------------------------------------------------------

# What an alarm computes: {"namespace", "metric_name", "dimensions", "statistic", "period", "unit"}
# for an alarm on one metric, or for a metric math alarm whose returned query only retrieves one
# metric; undefined for a math expression (see `math_expression`).
alarm_view(a) := {
	"namespace": object.get(a, "namespace", null),
	"metric_name": a.metric_name,
	"dimensions": object.get(a, "dimensions", null),
	"statistic": _alarm_statistic(a),
	"period": object.get(a, "period", null),
	"unit": object.get(a, "unit", null),
} if {
	is_string(object.get(a, "metric_name", null))
} else := v if {
	returned := [q | some q in _queries(a); object.get(q, "return_data", true) != false]
	count(returned) == 1
	q := returned[0]
	not is_string(object.get(q, "expression", null))
	m := q.metric_stat
	is_object(m)
	v := {
		"namespace": m.namespace,
		"metric_name": m.metric_name,
		"dimensions": object.get(m, "dimensions", []),
		"statistic": m.stat,
		"period": m.period,
		"unit": object.get(m, "unit", null),
	}
}

_queries(a) := q if {
	q := object.get(a, "metrics", null)
	is_array(q)
} else := []

_alarm_statistic(a) := s if {
	s := object.get(a, "statistic", null)
	is_string(s)
} else := s if {
	s := object.get(a, "extended_statistic", null)
	is_string(s)
} else := null

# The metrics a metric math alarm reads ({"namespace", "metric_name"}) when it computes an
# expression rootwarden does not evaluate.
math_expression(a) := {"expressions": exprs, "metrics": metrics} if {
	not alarm_view(a)
	exprs := [q.expression | some q in _queries(a); is_string(object.get(q, "expression", null))]
	metrics := [{"namespace": q.metric_stat.namespace, "metric_name": q.metric_stat.metric_name} |
		some q in _queries(a)
		is_object(object.get(q, "metric_stat", null))
	]
}

# --- the judgement ---------------------------------------------------------------------------------

# Whether alarm `a`, seeing `view` of its metric, raises an alert when root acts once, for every
# event of `events` (canonical events the filter transformation `t` counts). `t` carries
# `other_units`: the units other filters publish to the same metric. `ctx` is
# {"account_id", "partition"} of the account whose root events count.
# Returns {"faults": [...], "unknowns": [...], "delay_periods": n}.
judge(a, view, t, events, ctx) := {
	"faults": faults,
	"unknowns": unknowns,
	"delay_periods": _delay(a),
} if {
	f := _facts(a, view, t)
	kind := metric_value_kind(t)
	pubs := [{"id": e.id, "value": _event_value(kind, e), "dimensions": event_dimensions(t, e, ctx)} | some e in events]
	checks := [
		_dimension_check(view, t, pubs),
		_unit_check(view, t),
		_values_check(f, pubs),
		_baseline_check(a, f),
		_missing_data_check(a, f),
		_low_sample_check(a, f),
	]
	faults := [m | some c in checks; some m in c.faults]
	unknowns := array.concat([m | some m in f.unknowns], [m | some c in checks; some m in c.unknowns])
}

# The facts every check reads, and those that were not collected.
_facts(a, view, t) := {
	"name": view.statistic,
	"stat": _parsed(view.statistic),
	"default": _setting_or_null(object.get(t, "default_value", null)),
	"threshold": object.get(a, "threshold", null),
	"op": object.get(a, "comparison_operator", null),
	"period": view.period,
	"treat": object.get(a, "treat_missing_data", null),
	"m": _datapoints(a),
	"n": a.evaluation_periods,
	"unknowns": [m |
		some part in [
			[x | not is_string(view.statistic); x := "its statistic was not collected"],
			[x |
				is_string(view.statistic)
				not parse_statistic(view.statistic)
				x := sprintf("its statistic %s is not one CloudWatch defines", [view.statistic])
			],
			[x | not setting(object.get(t, "default_value", null)); x := "the filter's default value was not collected"],
			[x |
				setting(object.get(t, "default_value", null)).set
				not is_number(view.period)
				x := "its period was not collected"
			],
			[x | not is_number(object.get(a, "threshold", null)); x := _no_threshold(a)],
			[x |
				op := object.get(a, "comparison_operator", null)
				not op in object.keys(operators)
				x := sprintf("its comparison operator %v compares with an anomaly-detection band, which rootwarden cannot compute", [op])
			],
			[x | not is_string(object.get(a, "treat_missing_data", null)); x := "its treatment of missing data was not collected"],
		]
		some m in part
	],
}

_parsed(s) := p if {
	is_string(s)
	p := parse_statistic(s)
} else := null

_setting_or_null(x) := setting(x) if setting(x)

else := null

_no_threshold(a) := "it compares with an anomaly-detection band, which rootwarden cannot compute" if {
	is_string(object.get(a, "threshold_metric_id", null))
} else := "its threshold was not collected"

_datapoints(a) := d if {
	d := object.get(a, "datapoints_to_alarm", null)
	is_number(d)
} else := a.evaluation_periods

_delay(a) := _datapoints(a) - 1

_ok := {"faults": [], "unknowns": []}

# The alarm sees the datapoints of the root events only if its dimensions are exactly theirs.
# `pubs` holds, per event, what the filter publishes for it ({"id", "value", "dimensions"}).
_dimension_check(view, t, pubs) := {"faults": [], "unknowns": ["the alarm's dimensions were not collected"]} if {
	not is_array(view.dimensions)
} else := {"faults": [], "unknowns": ["the filter's dimensions were not collected"]} if {
	not is_object(object.get(t, "dimensions", null))
} else := {"faults": [sprintf(
	"it watches dimensions %s, but the filter publishes %s: it never sees the filter's datapoints",
	[_dims_text(_dimension_object(view.dimensions)), _keys_text(t.dimensions)],
)], "unknowns": []} if {
	object.keys(_dimension_object(view.dimensions)) != object.keys(t.dimensions)
} else := {
	"faults": _grouped([[p.id, p.dimensions.fault] | some p in pubs; is_string(p.dimensions.fault)], count(pubs)),
	"unknowns": [p.dimensions.unknown | some p in pubs; is_string(p.dimensions.unknown)],
} if {
	_unresolved(pubs)
} else := {
	"faults": _grouped(
		[[p.id, sprintf("the filter publishes it with dimensions %s, the alarm watches %s: it never sees it", [_dims_text(p.dimensions.value), _dims_text(watched)])] |
			some p in pubs
			p.dimensions.value != watched
		],
		count(pubs),
	),
	"unknowns": [],
} if {
	watched := _dimension_object(view.dimensions)
}

_unresolved(pubs) if {
	some p in pubs
	not is_object(p.dimensions.value)
}

_dims_text(o) := "none" if {
	count(o) == 0
} else := concat(", ", [sprintf("%s=%s", [k, o[k]]) | some k in sort(object.keys(o))])

_keys_text(o) := "none" if {
	count(o) == 0
} else := concat(", ", [sprintf("%s (from %s)", [k, o[k]]) | some k in sort(object.keys(o))])

# An alarm that names a unit sees only datapoints of that unit; one that names none sees every
# unit, and CloudWatch documents its behaviour as undefined when a metric has several.
_unit_check(view, t) := {"faults": [], "unknowns": ["the alarm's unit was not collected"]} if {
	not setting(view.unit)
} else := {"faults": [], "unknowns": ["the filter's unit was not collected"]} if {
	not is_string(object.get(t, "unit", null))
} else := {"faults": [sprintf(
	"it asks for unit %s, but the filter publishes unit %s: it never sees the filter's datapoints",
	[setting(view.unit).value, t.unit],
)], "unknowns": []} if {
	setting(view.unit).set
	setting(view.unit).value != t.unit
} else := {"faults": [sprintf(
	"it names no unit and its metric is published with units %s; CloudWatch does not define how such an alarm behaves",
	[concat(" and ", sort(units))],
)], "unknowns": []} if {
	not setting(view.unit).set
	units := {u | some u in array.concat([t.unit], object.get(t, "other_units", [])); is_string(u)}
	count(units) > 1
} else := _ok

# The numbers of default-value minutes that may share the root event's period.
_extra_minutes(f) := {0} if {
	not f.default.set
} else := {k | some k in {0, 1, _minutes(f.period) - 1}; k >= 0; k <= _minutes(f.period) - 1}

_minutes(p) := ceil(p / 60)

# The period holding one root event breaches, for every event and every number of default
# minutes beside it. Events publishing the same value share one computation.
_values_check(f, pubs) := _ok if {
	not _computable(f)
} else := _ok if {
	f.default.set
	not is_number(f.period)
} else := {
	"faults": _grouped(
		array.concat(
			[[p.id, p.value.none] | some p in pubs; is_string(p.value.none)],
			[[p.id, x] | some p in pubs; x := verdicts[p.value.value].fault],
		),
		count(pubs),
	),
	"unknowns": sort({x |
		some p in pubs
		some x in array.concat([y | y := p.value.unknown], object.get(verdicts, [p.value.value, "unknowns"], []))
	}),
} if {
	verdicts := {v: _value_verdict(f, v) | some p in pubs; v := p.value.value}
}

# For one published value: {"fault": why} when some period holding it does not breach, plus the
# unknown outcomes.
_value_verdict(f, v) := object.union(
	{"unknowns": [p.o.unknown | some p in outcomes_of; is_string(p.o.unknown)]},
	{"fault": _not_breaching(f, v, failing[count(failing) - 1]) | count(failing) > 0},
) if {
	outcomes_of := _period_outcomes(f, v)
	failing := [p | some p in outcomes_of; breaches(p.o, f.op, f.threshold) == "no"]
}

_computable(f) if {
	is_object(f.stat)
	is_object(f.default)
	is_number(f.threshold)
	f.op in object.keys(operators)
}

# The datapoints of a period with the root event's value v and k default minutes.
_groups(v, _, 0) := [[v, 1]]

_groups(v, f, k) := [[v, 1], [f.default.value, k]] if {
	k > 0
	f.default.value != v
}

_groups(v, f, k) := [[v, k + 1]] if {
	k > 0
	f.default.value == v
}

_period_outcomes(f, v) := [{"k": k, "o": o} |
	some k in sort(_extra_minutes(f))
	some o in outcomes(f.stat, _groups(v, f, k))
]

_period_text(_, v, 0) := sprintf("a period holding one root event (metric value %v)", [v])

_period_text(f, v, k) := sprintf(
	"a period holding one root event (metric value %v) and %d minute(s) of the default value %v",
	[v, k, f.default.value],
) if k > 0

_not_breaching(f, v, p) := sprintf("%s gives no %s datapoint: %s", [_period_text(f, v, p.k), f.name, p.o.none]) if {
	is_string(p.o.none)
} else := sprintf("the metric value %v never reaches the threshold %v (%s %v is not %s %v)", [
	v, f.threshold, _stat_name(f), p.o.value, operators[f.op], f.threshold,
]) if {
	p.k == 0
	p.o.value == v
} else := sprintf("%s has %s %v, which is not %s %v", [
	_period_text(f, v, p.k), _stat_name(f), p.o.value, operators[f.op], f.threshold,
])

_stat_name(f) := f.name

# A period without a root event but with log events holds only the default value: if that
# breaches, the alarm rests in ALARM and a root event changes nothing.
_baseline_check(_, f) := _ok if {
	not _computable(f)
} else := _ok if {
	not f.default.set
} else := _ok if {
	not is_number(f.period)
} else := {"faults": [sprintf(
	"a period without root activity holds the default value %v %d time(s), which gives %v, already %s %v: the alarm rests in ALARM whenever log events arrive, and a root event raises no new alarm",
	[f.default.value, failing[0].j, failing[0].o.value, operators[f.op], f.threshold],
)], "unknowns": []} if {
	failing := [{"j": j, "o": o} |
		some j in sort({1, _minutes(f.period)})
		some o in outcomes(f.stat, [[f.default.value, j]])
		breaches(o, f.op, f.threshold) == "yes"
	]
	count(failing) > 0
} else := _ok

# One breaching datapoint among periods that are missing (no default value) or hold the
# non-breaching default: what the evaluation settings make of it (CloudWatch user guide, "How
# alarm state is evaluated when data is missing").
_missing_data_check(a, f) := _ok if {
	not is_string(f.treat)
} else := _ok if {
	not is_object(f.default)
} else := {"faults": [sprintf("it needs %d breaching datapoints out of %d, more than it evaluates", [f.m, f.n])], "unknowns": []} if {
	f.m > f.n
} else := {"faults": [
	"it treats missing data as breaching: in a period without log events that count it goes to ALARM by itself, so it may already be in ALARM when root acts, and then sends nothing",
], "unknowns": []} if {
	f.treat == "breaching"
} else := {"faults": [
	"it ignores missing data: its metric has datapoints only when root acts, so after the first root event it stays in ALARM and never alerts again",
], "unknowns": []} if {
	f.treat == "ignore"
	not f.default.set
} else := {"faults": [sprintf(
	"it needs %d breaching datapoints out of %d, and one root event gives one: the periods around it %s",
	[f.m, f.n, _around(f)],
)], "unknowns": []} if {
	f.m > 1
	not _premature_alarm(f)
} else := _ok

_around(f) := sprintf("hold the default value %v, which does not breach", [f.default.value]) if {
	f.default.set
} else := "are missing, and missing data counts as not breaching"

# Missing data treated as missing: CloudWatch goes to ALARM when the oldest breaching datapoint
# of the evaluation periods is at least Datapoints-to-Alarm periods old and every newer one is
# missing, so one root event alerts after that many periods.
_premature_alarm(f) if {
	f.treat == "missing"
	not f.default.set
}

# Percentile alarms that ignore low sample counts do not change state on a period of a few
# datapoints, and a period with one root event holds one (or a few with a default value).
_low_sample_check(a, f) := {"faults": [], "unknowns": ["its handling of low sample counts was not collected"]} if {
	f.stat.kind == "p"
	not is_string(object.get(a, "evaluate_low_sample_count_percentile", null))
} else := {"faults": [
	"it is a percentile alarm that ignores periods with too few datapoints to be statistically significant (EvaluateLowSampleCountPercentile ignore), and a period with one root event has one",
], "unknowns": []} if {
	f.stat.kind == "p"
	a.evaluate_low_sample_count_percentile == "ignore"
} else := _ok

# "for EVENTS: reason" per distinct reason; "for every required root event" when all share it.
_grouped(pairs, n) := [sprintf("%s: %s", [_whom(ids, n), reason]) |
	some reason in {p[1] | some p in pairs}
	ids := sort({p[0] | some p in pairs; p[1] == reason})
]

_whom(ids, n) := "for every required root event" if {
	count(ids) == n
} else := sprintf("for %s", [concat(", ", ids)])
