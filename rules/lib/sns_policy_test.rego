package rootwarden.lib.sns_policy_test

import rego.v1

import data.rootwarden.lib.sns_policy

topic := "arn:aws:sns:us-east-1:555566667777:alerts"

rule_arn := "arn:aws:events:us-east-1:555566667777:rule/root"

request := {"service": "events.amazonaws.com", "topic_arn": topic, "source_arn": rule_arn, "source_account": "555566667777"}

state(statements) := sns_policy.publish(json.marshal({"Version": "2012-10-17", "Statement": statements}), request).state

allow_events := {"Sid": "events", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sns:Publish", "Resource": topic}

# SNS's default statement: any principal of the owner account (AWS:SourceOwner), which a service
# principal's request does not carry.
default_statement := {
	"Sid": "__default_statement_ID",
	"Effect": "Allow",
	"Principal": {"AWS": "*"},
	"Action": ["SNS:GetTopicAttributes", "SNS:Publish"],
	"Resource": topic,
	"Condition": {"StringEquals": {"AWS:SourceOwner": "555566667777"}},
}

test_default_policy_does_not_let_eventbridge_publish if state([default_statement]) == "deny"

test_eventbridge_statement_allows if state([default_statement, allow_events]) == "allow"

test_single_statement_object if {
	sns_policy.publish(json.marshal({"Statement": allow_events}), request).state == "allow"
}

test_action_wildcards_and_case if {
	state([object.union(allow_events, {"Action": "SNS:Pub*"})]) == "allow"
	state([object.union(allow_events, {"Action": "sns:*"})]) == "allow"
	state([object.union(allow_events, {"Action": "*"})]) == "allow"
	state([object.union(allow_events, {"Action": "sns:Subscribe"})]) == "deny"
}

test_principal_forms if {
	state([object.union(allow_events, {"Principal": "*"})]) == "allow"
	state([object.union(allow_events, {"Principal": {"Service": ["sns.amazonaws.com", "events.amazonaws.com"]}})]) == "allow"
	state([object.union(allow_events, {"Principal": {"Service": "cloudwatch.amazonaws.com"}})]) == "deny"
}

test_resource_must_cover_the_topic if {
	state([object.union(allow_events, {"Resource": "arn:aws:sns:us-east-1:555566667777:*"})]) == "allow"
	state([object.union(allow_events, {"Resource": "arn:aws:sns:us-east-1:555566667777:other"})]) == "deny"
}

test_source_conditions if {
	state([object.union(allow_events, {"Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}}})]) == "allow"
	state([object.union(allow_events, {"Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:events:us-east-1:555566667777:rule/*"}}})]) == "allow"
	state([object.union(allow_events, {"Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:events:us-east-1:555566667777:rule/other"}}})]) == "deny"
	state([object.union(allow_events, {"Condition": {"StringEquals": {"aws:SourceAccount": "555566667777"}}})]) == "allow"
	state([object.union(allow_events, {"Condition": {"StringEquals": {"aws:SourceAccount": "111111111111"}}})]) == "deny"
}

test_unknown_condition_is_unknown if {
	state([object.union(allow_events, {"Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}})]) == "unknown"
}

test_explicit_deny_wins if {
	deny := object.union(allow_events, {"Sid": "no", "Effect": "Deny"})
	state([allow_events, deny]) == "deny"
}

test_not_principal_is_unknown if {
	state([{"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::1:root"}, "Action": "sns:Publish", "Resource": topic}]) == "unknown"
}

test_missing_or_invalid_policy_is_unknown if {
	sns_policy.publish(null, request).state == "unknown"
	sns_policy.publish("{not json", request).state == "unknown"
}
