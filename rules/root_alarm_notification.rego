# METADATA
# title: The root-activity alarm notifies a person
# description: >-
#   An alarm that notifies nobody is not monitoring. The SNS topic of the root-activity alarm
#   must have at least one confirmed subscription whose endpoint is accepted by the requirements
#   (alerting.accepted_endpoints; any confirmed subscription when that list is empty). Pending
#   subscriptions receive nothing. Fails too when an upstream link (trail, log group, metric
#   filter, alarm) is missing. Not applicable when the requirements accept EventBridge alerting,
#   a complete EventBridge path exists and this chain does not work (when both work, it passes).
# custom:
#   id: RW-MON-005
#   severity: high
#   remediation: >-
#     Subscribe a monitored address to the alarm's topic with `aws sns subscribe --topic-arn
#     TOPIC_ARN --protocol email --notification-endpoint security@example.com` and confirm the
#     subscription from the message AWS sends; make sure the endpoint matches one of the
#     requirements' alerting.accepted_endpoints.
#   cis: ["4.3 (v1.4.0-v2.0.0)", "3.3 (v1.2.0)"]
#   aws_security_hub: ["CloudWatch.1"]
#   requires: [cloudtrail, logs, cloudwatch, sns]
package rootwarden.rules.root_alarm_notification

import rego.v1

import data.rootwarden.lib.detection

deny contains f if {
	some f in detection.denials(5, "No notification possible")
}

insufficient_data contains r if {
	some r in detection.insufficient(5, "the root-activity alarm notifies a person")
}

not_applicable contains r if {
	some r in detection.not_applicable(5)
}
