# Fixtures shared by the monitoring rules' tests: a compliant standalone account and a compliant
# organization, each single fault one change away. Data only: this package must not refer to the
# rules or libraries under test. (regorus 0.14 drops the values of rules evaluated inside a `with
# ... as` expression while remembering them as evaluated, so tests bind fixtures to local
# variables before `with`.)
package rootwarden.lib.monitoring_fixtures

import rego.v1

# --- requirements (the built-in defaults, spelled out so the tests also run under `opa test`) ----

requirements := {
	"version": 1,
	"scope": {"include_accounts": [], "exclude_accounts": []},
	"root_use_exceptions": [],
	"retained_root_keys": [],
	"require_hardware_mfa": true,
	"lookback_days": 90,
	"logging": {"min_retention_days": 365},
	"alerting": {
		"required_events": ["console_sign_in", "api_call", "access_key_use"],
		"accepted_endpoints": [],
		"allow_eventbridge": false,
	},
}

# The requirements with changes merged in (objects merge, arrays are replaced).
requirements_with(changes) := object.union(requirements, changes)

eventbridge_requirements := requirements_with({"alerting": {"allow_eventbridge": true}})

# --- building blocks -----------------------------------------------------------------------------

sa := "555566667777"

mgmt := "111111111111"

member := "222222222222"

cis_pattern := `{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }`

trail(owner, org) := {
	"name": "management-events",
	"trail_arn": sprintf("arn:aws:cloudtrail:us-east-1:%s:trail/management-events", [owner]),
	"home_region": "us-east-1",
	"is_multi_region_trail": true,
	"is_organization_trail": org,
	"include_global_service_events": true,
	"s3_bucket_name": sprintf("audit-logs-%s", [owner]),
	"cloud_watch_logs_log_group_arn": sprintf("arn:aws:logs:us-east-1:%s:log-group:aws-cloudtrail-logs:*", [owner]),
	"cloud_watch_logs_role_arn": sprintf("arn:aws:iam::%s:role/CloudTrailToCloudWatchLogs", [owner]),
	"log_file_validation_enabled": true,
	"status": {"is_logging": true},
	"event_selectors": [{
		"read_write_type": "All",
		"include_management_events": true,
		"exclude_management_event_sources": [],
		"data_resources": [],
	}],
	"advanced_event_selectors": null,
}

log_group(owner, name, days) := {
	"log_group_name": name,
	"arn": sprintf("arn:aws:logs:us-east-1:%s:log-group:%s:*", [owner, name]),
	"retention_in_days": days,
}

root_filter(group) := {
	"filter_name": "RootAccountUsage",
	"log_group_name": group,
	"filter_pattern": cis_pattern,
	"metric_transformations": [{
		"metric_name": "RootAccountUsageCount",
		"metric_namespace": "CISBenchmark",
		"metric_value": "1",
		"default_value": "not_set",
		"unit": "None",
		"dimensions": {},
	}],
}

topic_arn(owner) := topic_arn_in(owner, "us-east-1")

topic_arn_in(owner, region) := sprintf("arn:aws:sns:%s:%s:root-activity-alerts", [region, owner])

alarm(owner) := {
	"alarm_name": "root-account-usage",
	"alarm_arn": sprintf("arn:aws:cloudwatch:us-east-1:%s:alarm:root-account-usage", [owner]),
	"metric_name": "RootAccountUsageCount",
	"namespace": "CISBenchmark",
	"statistic": "Sum",
	"dimensions": [],
	"unit": "not_set",
	"period": 300,
	"evaluation_periods": 1,
	"datapoints_to_alarm": 1,
	"threshold": 1,
	"comparison_operator": "GreaterThanOrEqualToThreshold",
	"treat_missing_data": "notBreaching",
	"evaluate_low_sample_count_percentile": "evaluate",
	"metrics": [],
	"actions_enabled": true,
	"alarm_actions": [topic_arn(owner)],
}

subscription(owner, endpoint) := subscription_in(owner, "us-east-1", endpoint)

subscription_in(owner, region, endpoint) := {
	"subscription_arn": concat(":", [topic_arn_in(owner, region), "6f1c2a9e-8d7b-4f3a-b2c1-0e9d8c7b6a54"]),
	"protocol": "email",
	"endpoint": endpoint,
	"pending_confirmation": false,
}

pending_subscription(endpoint) := {
	"subscription_arn": "PendingConfirmation",
	"protocol": "email",
	"endpoint": endpoint,
	"pending_confirmation": true,
}

topic(owner) := topic_in(owner, "us-east-1")

# A topic with a confirmed subscription whose access policy lets the account and EventBridge
# publish (SNS's default statement, and the statement EventBridge's console adds).
topic_in(owner, region) := {
	"topic_arn": topic_arn_in(owner, region),
	"subscriptions": [subscription_in(owner, region, "security@example.com")],
	"attributes": {"policy": topic_policy(owner, region, true), "kms_master_key_id": "not_set"},
}

# A topic's access policy: SNS's default, and a statement for EventBridge when `events`.
topic_policy(owner, region, events) := json.marshal({
	"Version": "2008-10-17",
	"Id": "__default_policy_ID",
	"Statement": array.concat(
		[{
			"Sid": "__default_statement_ID",
			"Effect": "Allow",
			"Principal": {"AWS": "*"},
			"Action": ["SNS:GetTopicAttributes", "SNS:Subscribe", "SNS:Publish"],
			"Resource": topic_arn_in(owner, region),
			"Condition": {"StringEquals": {"AWS:SourceOwner": owner}},
		}],
		[x |
			events
			x := {
				"Sid": "AWSEvents_root-activity",
				"Effect": "Allow",
				"Principal": {"Service": "events.amazonaws.com"},
				"Action": "sns:Publish",
				"Resource": topic_arn_in(owner, region),
			}
		],
	),
})

empty_region := {
	"cloudtrail": {"trails": []},
	"logs": {"log_groups": [], "metric_filters": []},
	"cloudwatch": {"alarms": []},
	"sns": {"topics": [], "absent_topics": []},
	"events": {"rules": []},
}

# The full CIS chain of an account in us-east-1: log group, root filter, alarm, topic.
chain_region(owner) := object.union(empty_region, {
	"logs": {
		"log_groups": [log_group(owner, "aws-cloudtrail-logs", 400)],
		"metric_filters": [root_filter("aws-cloudtrail-logs")],
	},
	"cloudwatch": {"alarms": [alarm(owner)]},
	"sns": {"topics": [topic(owner)]},
})

account(id, role, regions) := {
	"account_id": id,
	"partition": "aws",
	"role": role,
	"iam": {
		"credential_report": null,
		"account_summary": null,
		"root_mfa_devices": null,
		"root_login_profile": null,
	},
	"regions": regions,
}

# A compliant standalone account: its own multi-region trail and the full chain in us-east-1.
standalone := account(sa, "standalone", {
	"us-east-1": object.union(chain_region(sa), {"cloudtrail": {"trails": [trail(sa, false)]}}),
	"eu-west-1": object.union(empty_region, {"cloudtrail": {"trails": [trail(sa, false)]}}),
})

# An account with region changes merged in (objects merge, arrays and null replace).
change(acct, regions) := object.union(acct, {"regions": regions})

# The standalone account with us-east-1 changes merged in.
us(changes) := change(standalone, {"us-east-1": changes})

# The standalone account with its trail (both regional copies) replaced.
with_trail(t) := change(standalone, {
	"us-east-1": {"cloudtrail": {"trails": [t]}},
	"eu-west-1": {"cloudtrail": {"trails": [t]}},
})

# The standalone account with its trail changed.
trail_changed(changes) := with_trail(object.union(trail(sa, false), changes))

# The standalone account with its alarm changed.
alarm_changed(changes) := us({"cloudwatch": {"alarms": [object.union(alarm(sa), changes)]}})

# The standalone account with its topic's subscriptions replaced.
subscriptions(subs) := us({"sns": {"topics": [{"topic_arn": topic_arn(sa), "subscriptions": subs}]}})

# A root EventBridge rule in us-east-1 of account `owner`.
event_rule(owner, pattern, state, targets) := event_rule_in(owner, "us-east-1", pattern, state, targets)

event_rule_in(owner, region, pattern, state, targets) := {
	"name": "root-activity",
	"arn": sprintf("arn:aws:events:%s:%s:rule/root-activity", [region, owner]),
	"event_bus_name": "default",
	"state": state,
	"event_pattern": json.marshal(pattern),
	"targets": targets,
}

root_pattern := {
	"detail-type": ["AWS API Call via CloudTrail", "AWS Console Sign In via CloudTrail"],
	"detail": {"userIdentity": {"type": ["Root"]}},
}

all_events := "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"

sns_target(owner) := sns_target_in(owner, "us-east-1")

sns_target_in(owner, region) := [{"id": "notify", "arn": topic_arn_in(owner, region)}]

# The standalone account with no metric filter or alarm, and an EventBridge rule instead: `rule`
# in us-east-1, and the same rule with its own topic in eu-west-1 (a rule sees only its region).
eventbridge_only(rule) := change(us({
	"logs": {"metric_filters": []},
	"cloudwatch": {"alarms": []},
	"events": {"rules": [rule]},
}), {"eu-west-1": eu_rule_region(good_event_rule_in("eu-west-1"))})

# eu-west-1 with a root rule and its topic.
eu_rule_region(rule) := {"events": {"rules": [rule]}, "sns": {"topics": [topic_in(sa, "eu-west-1")], "absent_topics": []}}

good_event_rule_in(region) := event_rule_in(sa, region, root_pattern, all_events, sns_target_in(sa, region))

good_event_rule := good_event_rule_in("us-east-1")

# The organization: the management account owns an organization trail and the chain; the member
# only sees the organization trail.
management_account := account(mgmt, "management", {
	"us-east-1": object.union(chain_region(mgmt), {"cloudtrail": {"trails": [trail(mgmt, true)]}}),
	"eu-west-1": object.union(empty_region, {"cloudtrail": {"trails": [trail(mgmt, true)]}}),
})

member_account := account(member, "member", {
	"us-east-1": object.union(empty_region, {"cloudtrail": {"trails": [trail(mgmt, true)]}}),
	"eu-west-1": object.union(empty_region, {"cloudtrail": {"trails": [trail(mgmt, true)]}}),
})

organization := {
	"id": "o-a1b2c3d4e5",
	"management_account_id": mgmt,
	"feature_set": "ALL",
	"root_access": {"root_credentials_management": true, "root_sessions": true},
}

# The `input` a rule sees for one account.
input_for(acct, related) := {
	"schema_version": "1.0",
	"collected_at": "2026-11-20T08:00:00Z",
	"organization": null,
	"account": acct,
	"related_accounts": related,
	"collection_errors": [],
}

standalone_input := input_for(standalone, {})

# The member's input, with the management account's regions changed.
member_input(mgmt_regions) := object.union(input_for(member_account, {mgmt: change(management_account, mgmt_regions)}), {"organization": organization})
