# METADATA
# title: A multi-region CloudTrail trail records management events
# description: >-
#   Root activity can only be seen if CloudTrail records it. At least one trail visible in the
#   account (its own, or an organization trail of its management account) must be multi-region,
#   logging, and record both read and write management events; otherwise root sign-ins and API
#   calls leave no record and nothing downstream (log group, metric filter, alarm) can fire.
# custom:
#   id: RW-MON-001
#   severity: high
#   remediation: >-
#     Create (or fix) a trail with `aws cloudtrail create-trail --is-multi-region-trail` (for an
#     organization, `--is-organization-trail` in the management account), start it with
#     `aws cloudtrail start-logging`, and make its event selectors record all management events
#     (ReadWriteType All with IncludeManagementEvents, or an advanced selector with
#     eventCategory = Management and no readOnly restriction).
#   cis: ["3.1 (v1.4.0-v2.0.0)"]
#   aws_security_hub: ["CloudTrail.1"]
#   requires: [cloudtrail]
package rootwarden.rules.cloudtrail_multi_region

import rego.v1

import data.rootwarden.lib.monitoring
import data.rootwarden.lib.util

deny contains f if {
	count(monitoring.qualifying_trails) == 0
	count(monitoring.undecided_trails) == 0
	f := monitoring.finding(null, util.root_arn, _message, {
		"trails": [monitoring.trail_evidence(e) | some e in monitoring.trails],
		"requirement": "multi-region, logging, recording read and write management events",
	})
}

_message := sprintf("Account %s has no CloudTrail trail, so root activity is not recorded.", [input.account.account_id]) if {
	count(monitoring.trails) == 0
} else := sprintf(
	"None of the %d CloudTrail trails of account %s is multi-region, logging and recording read and write management events.",
	[count(monitoring.trails), input.account.account_id],
)

insufficient_data contains r if {
	count(monitoring.qualifying_trails) == 0
	count(monitoring.undecided_trails) > 0
	r := {
		"message": sprintf(
			"Cannot decide whether a trail qualifies: %s.",
			[concat("; ", [sprintf("%s might qualify, but %s", [monitoring.trail_label(e), concat(" and ", e.unknowns)]) |
				some e in monitoring.undecided_trails
			])],
		),
		"evidence": {"trails": [monitoring.trail_evidence(e) | some e in monitoring.trails]},
	}
}
