# Tests of the EventBridge library's parts; rules/eventbridge_root_alerts_test.rego tests the rule.
package rootwarden.lib.eventbridge_test

import rego.v1

import data.rootwarden.lib.eventbridge as eb
import data.rootwarden.lib.monitoring_fixtures as fx

# Library values for an input under the EventBridge requirements. (`with ... as` only ever takes
# local variables: regorus 0.14 loses rule values computed while evaluating a `with` target.)
eventbridge(inp) := v if {
	req := fx.eventbridge_requirements
	v := {
		"root_rules": eb.root_event_rules,
		"coverage": eb.coverage,
	} with input as inp with data.requirements as req
}

complete(inp) if {
	req := fx.eventbridge_requirements
	eb.complete with input as inp with data.requirements as req
}

test_detail_type_absent_matches_all if {
	rule := fx.event_rule(fx.sa, {"detail": {"userIdentity": {"type": ["Root"]}}}, fx.all_events, fx.sns_target(fx.sa))
	complete(fx.input_for(fx.eventbridge_only(rule), {}))
}

test_invalid_event_pattern_is_not_a_root_rule if {
	rule := object.union(fx.good_event_rule, {"event_pattern": "{not json"})
	v := eventbridge(fx.input_for(fx.eventbridge_only(rule), {}))
	count(v.root_rules) == 1
	v.root_rules[0].region == "eu-west-1"
}

# Sign-ins and IAM calls arrive in us-east-1 only; calls to regional services in every region.
test_required_events_per_region if {
	v := eventbridge(fx.input_for(fx.eventbridge_only(fx.good_event_rule), {}))
	v.coverage["eu-west-1"].required == ["root-api-call-access-key", "root-api-call-write-access-key", "root-console-read-only-action"]
	count(v.coverage["us-east-1"].required) == 7
}

test_global_region_per_partition if {
	acct := object.union(fx.eventbridge_only(fx.good_event_rule), {"partition": "aws-us-gov"})
	req := fx.eventbridge_requirements
	inp := fx.input_for(acct, {})
	r := eb.global_region with input as inp with data.requirements as req
	r == "us-gov-west-1"
}

test_read_only_events_are_those_cloudtrail_marks if {
	ids := {e.id | some e in data.canonical_events; eb.read_only(e)}
	ids == {"root-api-call-access-key", "root-console-read-only-action", "root-aws-service-event"}
}
