# METADATA
# title: A metric filter on the trail's log group catches root activity
# description: >-
#   CIS asks for a CloudWatch Logs metric filter that counts every use of the root user. It only
#   sees events delivered to its own log group, so it must sit on the log group a qualifying trail
#   (multi-region, logging, read and write management events) delivers to; a correct filter on
#   any other log group never fires. The filter is judged by what it does, not by its text: the
#   canonical CloudTrail events (fixtures/cloudtrail) for every required alert event (root console
#   sign-in, root API call, root access-key use) are run through its pattern with rootwarden's
#   CloudWatch Logs filter-pattern engine, and it must count each of them; the finding names the
#   events it misses, or the parse error when AWS could not have accepted the pattern. A
#   reordered or re-spaced CIS filter passes; a typo'd value or field name fails. With
#   --verify-filters, CloudWatch Logs itself (logs:TestMetricFilter) is asked about the same events:
#   where its answer and rootwarden's engine disagree on a required event, or AWS could not answer,
#   the filter is undecided and the control insufficient data, naming the event. Not applicable
#   when the requirements accept EventBridge alerting, a complete EventBridge path exists and this
#   chain does not work (when both work, it passes).
# custom:
#   id: RW-MON-003
#   severity: high
#   remediation: >-
#     On the log group the trail delivers to, run `aws logs put-metric-filter --log-group-name
#     GROUP --filter-name RootAccountUsage --filter-pattern '{ $.userIdentity.type = "Root" &&
#     $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }'
#     --metric-transformations metricName=RootAccountUsageCount,metricNamespace=CISBenchmark,metricValue=1`.
#   cis: ["4.3 (v1.4.0-v2.0.0)", "3.3 (v1.2.0)", "1.1 (v1.2.0)"]
#   aws_security_hub: ["CloudWatch.1"]
#   requires: [cloudtrail, logs]
package rootwarden.rules.root_metric_filter

import rego.v1

import data.rootwarden.lib.detection

deny contains f if {
	some f in detection.denials(3, "No root metric filter possible")
}

insufficient_data contains r if {
	some r in detection.insufficient(3, "a metric filter on a qualifying trail's log group catches root activity")
}

not_applicable contains r if {
	some r in detection.not_applicable(3)
}
