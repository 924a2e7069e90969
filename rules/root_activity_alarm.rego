# METADATA
# title: A CloudWatch alarm fires on the first root event
# description: >-
#   A metric filter only counts root activity; an alarm must turn the count into an alert. The
#   alarm must watch the root metric filter's metric (same metric name, namespace and dimensions,
#   in the log group's account and region) and raise an alert when root acts once, computed as
#   CloudWatch does (docs/alarm-semantics.md): the datapoints the filter publishes for one root
#   event (its metric value, and its default value for other minutes of the period), the alarm's
#   statistic (SampleCount, Sum, Average, Minimum, Maximum, percentiles, trimmed and winsorized
#   means, trimmed count and sum, percentile rank) compared with its threshold, units, and the
#   evaluation periods, datapoints to alarm and treatment of missing data; a period without root
#   activity must not breach. It must have its actions enabled and notify an SNS topic. A fact
#   that was not collected, a metric math expression or an anomaly band is insufficient data.
#   Without a root metric filter no alarm is possible, and the rule fails too. Not applicable when
#   the requirements accept EventBridge alerting, a complete EventBridge path exists and this chain
#   does not work.
# custom:
#   id: RW-MON-004
#   severity: high
#   remediation: >-
#     Run `aws cloudwatch put-metric-alarm --alarm-name root-account-usage --metric-name
#     RootAccountUsageCount --namespace CISBenchmark --statistic Sum --period 300
#     --evaluation-periods 1 --datapoints-to-alarm 1 --threshold 1 --comparison-operator
#     GreaterThanOrEqualToThreshold --treat-missing-data notBreaching --alarm-actions TOPIC_ARN`
#     in the log group's region, using the metric name and namespace of the root metric filter,
#     and make sure the alarm's actions are enabled (`aws cloudwatch enable-alarm-actions`).
#   cis: ["4.3 (v1.4.0-v2.0.0)", "3.3 (v1.2.0)"]
#   aws_security_hub: ["CloudWatch.1"]
#   requires: [cloudtrail, logs, cloudwatch]
package rootwarden.rules.root_activity_alarm

import rego.v1

import data.rootwarden.lib.detection

deny contains f if {
	some f in detection.denials(4, "No alarm possible")
}

insufficient_data contains r if {
	some r in detection.insufficient(4, "an alarm fires on the first root event")
}

not_applicable contains r if {
	some r in detection.not_applicable(4)
}
