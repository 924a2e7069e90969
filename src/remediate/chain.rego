# What `rootwarden remediate` needs to know about an account's monitoring chain, judged by the
# same library the monitoring rules use (rules/lib/monitoring.rego), so a plan fixes exactly the
# links the rules find broken and reuses exactly the links they accept.
package rootwarden.remediate.chain

import rego.v1

import data.rootwarden.lib.monitoring as m

# Where each qualifying trail delivers ("ok", "fail" or "unknown"), with the log group it names.
deliveries := [{
	"state": d.state,
	"trail_arn": d.trail.arn,
	"text": object.get(d, "text", ""),
	"log_group": d.log_group,
	"group_exists": _group_exists(d),
} |
	some d in m.deliveries
]

_group_exists(d) if object.get(d, "group", null) != null

_group_exists(d) := false if object.get(d, "group", null) == null

# Metric filters that catch root activity, on a qualifying trail's log group.
root_filters := [{
	"log_group": rf.delivery.log_group,
	"filter_name": rf.filter.filter_name,
	"metrics": [{"namespace": mt.metric_namespace, "metric_name": mt.metric_name} |
		some mt in m.arr(rf.filter.metric_transformations)
	],
} |
	some rf in m.root_filters
]

# For each root filter: the alarms on its metric that fire on one event (with the verdict on each
# SNS topic they notify), the state of the link, and the alarms that watch it but cannot alert.
alarm_links := [{
	"log_group": l.root_filter.delivery.log_group,
	"filter_name": l.root_filter.filter.filter_name,
	"state": l.state,
	"text": object.get(l, "text", ""),
	"good": [_alarm(a) | some a in l.good],
	"broken": [{"alarm_name": j.alarm.alarm_name, "faults": j.faults} |
		some j in object.get(l, "judged", [])
		count(j.faults) > 0
	],
} |
	some l in m.alarm_links
]

_alarm(a) := {
	"alarm_name": a.alarm_name,
	"alarm_arn": a.alarm_arn,
	"namespace": a.namespace,
	"metric_name": a.metric_name,
	"topics": [{"topic_arn": t, "verdict": m.topic_verdict(t)} | some t in m.sns_actions(a)],
}

# Alarms in a delivery's account and region that would alert on one event and whose metric no
# metric filter there emits, or only filters that catch root activity themselves (a root filter on
# another log group): a new root filter can feed one of them instead of a new alarm. An alarm fed
# by some other filter (unauthorized API calls, say) is never reused.
reusable_alarms := [object.union(_alarm(a), {"log_group": d.log_group}) |
	some d in m.deliveries
	d.state == "ok"
	sec := m.section(d.log_group.account, d.log_group.region, "cloudwatch")
	sec.known
	some a in sec.value.alarms
	is_string(object.get(a, "metric_name", null))
	is_string(object.get(a, "namespace", null))
	m.alarm_verdict(a, m.hypothetical_transformation(a, d.logs)).state == "ok"
	not _fed_by_other(d.logs, a)
]

_fed_by_other(logs, a) if {
	some f in m.arr(logs.metric_filters)
	some mt in m.arr(f.metric_transformations)
	mt.metric_name == a.metric_name
	mt.metric_namespace == a.namespace
	not m.catches_root(f.filter_pattern)
}

# SNS topics in a delivery's account and region that already reach a person.
reaching_topics := [{"log_group": d.log_group, "topic_arn": t.topic_arn} |
	some d in m.deliveries
	d.state == "ok"
	sec := m.section(d.log_group.account, d.log_group.region, "sns")
	sec.known
	some t in sec.value.topics
	m.topic_verdict(t.topic_arn).state == "ok"
]

# Whether each monitoring section this plan reads is readable in a delivery's account and region.
sections := [{"log_group": d.log_group, "name": name, "known": sec.known, "why": object.get(sec, "why", "")} |
	some d in m.deliveries
	d.state == "ok"
	some name in ["logs", "cloudwatch", "sns"]
	sec := m.section(d.log_group.account, d.log_group.region, name)
]

# Everything above, in one evaluation.
chain := {
	"deliveries": deliveries,
	"root_filters": root_filters,
	"alarm_links": alarm_links,
	"reusable_alarms": reusable_alarms,
	"reaching_topics": reaching_topics,
	"sections": sections,
}
