# Tests of the monitoring library's helpers.
package rootwarden.lib.monitoring_test

import rego.v1

import data.rootwarden.lib.monitoring
import data.rootwarden.lib.monitoring_fixtures as fx

# --- tests of the library's helpers --------------------------------------------------------------

# A library value for an input and requirements. (`with ... as` only ever takes local variables:
# regorus 0.14 loses rule values computed while evaluating a `with` target.)
qualifying(inp) := n if {
	req := fx.requirements
	n := count(monitoring.qualifying_trails) with input as inp with data.requirements as req
}

test_catches_cis_pattern if monitoring.catches_root(fx.cis_pattern)

test_catches_root_whitespace_and_newlines if {
	monitoring.catches_root("{$.userIdentity.type=\"Root\"&&$.userIdentity.invokedBy NOT EXISTS\n&&  $.eventType !=\t\"AwsServiceEvent\"}")
}

test_catches_root_rejects_lower_case if {
	not monitoring.catches_root(replace(fx.cis_pattern, `"Root"`, `"root"`))
}

# An extra `||` clause that only widens the filter still counts every root event (judged as
# a detection); one that weakens a condition makes it count other principals' events (noise).
test_catches_root_with_harmless_or if {
	p := `{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" || $.eventName = "NoSuchEvent" }`
	monitoring.catches_root(p)
	monitoring.judge_filter(p).noise == []
}

test_weakening_or_is_noise if {
	p := `{ $.userIdentity.type = "Root" || $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }`
	monitoring.catches_root(p)
	"iam-user-api-call" in monitoring.judge_filter(p).noise
}

test_without_invoked_by_condition_counts_service_calls if {
	p := `{ $.userIdentity.type = "Root" && $.eventType != "AwsServiceEvent" }`
	monitoring.catches_root(p)
	monitoring.judge_filter(p).noise == ["root-call-invoked-by-service"]
}

test_catches_root_rejects_typo_in_field_case if {
	j := monitoring.judge_filter(replace(fx.cis_pattern, "userIdentity.type", "userIdentity.Type"))
	j.error == ""
	count(j.missed) == 7
}

test_unparsable_pattern_reports_the_error if {
	j := monitoring.judge_filter(`{ $.userIdentity.type = "Root" && }`)
	startswith(j.error, "at column")
	not monitoring.catches_root(`{ $.userIdentity.type = "Root" && }`)
}

test_console_sign_in_only_misses_api_calls if {
	j := monitoring.judge_filter(`{ $.userIdentity.type = "Root" && $.eventName = "ConsoleLogin" }`)
	j.missed == [
		"root-api-call-access-key", "root-api-call-write-access-key", "root-console-action",
		"root-console-read-only-action", "root-assume-root-session",
	]
}

test_catches_root_rejects_negation if {
	not monitoring.catches_root(replace(fx.cis_pattern, `type = "Root"`, `type != "Root"`))
}

test_endpoint_exact if monitoring.endpoint_pattern_matches("security@example.com", "security@example.com")

test_endpoint_wildcard_crosses_dots if monitoring.endpoint_pattern_matches("*@example.com", "jane.doe@example.com")

test_endpoint_wildcard_anchored if not monitoring.endpoint_pattern_matches("*@example.com", "jane@example.com.evil.org")

test_endpoint_dot_is_literal if not monitoring.endpoint_pattern_matches("*@example.com", "jane@exampleXcom")

test_endpoint_question_mark_is_literal if {
	monitoring.endpoint_pattern_matches("https://hooks.example.com/*?x=1", "https://hooks.example.com/a/b?x=1")
	not monitoring.endpoint_pattern_matches("https://hooks.example.com/*?x=1", "https://hooks.example.com/a/bx=1")
}

test_endpoint_no_wildcard_is_exact if not monitoring.endpoint_pattern_matches("security@example.com", "Security@example.com")

test_log_group_ref_with_and_without_star if {
	monitoring.log_group_ref("arn:aws:logs:eu-west-1:111111111111:log-group:/aws/cloudtrail/org:*") == {
		"configured_arn": "arn:aws:logs:eu-west-1:111111111111:log-group:/aws/cloudtrail/org:*",
		"arn": "arn:aws:logs:eu-west-1:111111111111:log-group:/aws/cloudtrail/org",
		"region": "eu-west-1",
		"account": "111111111111",
		"name": "/aws/cloudtrail/org",
	}
	r := monitoring.log_group_ref("arn:aws-us-gov:logs:us-gov-west-1:111111111111:log-group:trail")
	r.name == "trail"
	r.region == "us-gov-west-1"
}

test_log_group_ref_rejects_other_arns if {
	not monitoring.log_group_ref("arn:aws:s3:::bucket")
	not monitoring.log_group_ref("arn:aws:logs:us-east-1:111111111111:log-group:x:y")
}

test_trails_deduplicated_by_arn if {
	inp := fx.standalone_input
	req := fx.requirements
	count(monitoring.trails) == 1 with input as inp with data.requirements as req
}

test_shadow_copy_without_status_uses_home_copy if {
	shadow := object.union(fx.trail(fx.sa, false), {"status": null})
	acct := fx.change(fx.standalone, {"eu-west-1": {"cloudtrail": {"trails": [shadow]}}})
	qualifying(fx.input_for(acct, {})) == 1
}

test_member_sees_owner_copy_of_status if {
	unread := object.union(fx.trail(fx.mgmt, true), {"status": null})
	acct := fx.change(fx.member_account, {
		"us-east-1": {"cloudtrail": {"trails": [unread]}},
		"eu-west-1": {"cloudtrail": {"trails": [unread]}},
	})
	inp := fx.input_for(acct, {fx.mgmt: fx.management_account})
	qualifying(inp) == 1
}

test_classic_read_and_write_selectors_qualify if {
	t := object.union(fx.trail(fx.sa, false), {"event_selectors": [
		{"read_write_type": "ReadOnly", "include_management_events": true},
		{"read_write_type": "WriteOnly", "include_management_events": true},
	]})
	qualifying(fx.input_for(fx.with_trail(t), {})) == 1
}

test_advanced_selectors_split_read_only_qualify if {
	t := object.union(fx.trail(fx.sa, false), {"event_selectors": null, "advanced_event_selectors": [
		{"field_selectors": [{"field": "eventCategory", "equals": ["Management"]}, {"field": "readOnly", "equals": ["true"]}]},
		{"field_selectors": [{"field": "eventCategory", "equals": ["Management"]}, {"field": "readOnly", "equals": ["false"]}]},
	]})
	qualifying(fx.input_for(fx.with_trail(t), {})) == 1
}

test_advanced_selectors_narrowed_to_a_source_do_not_qualify if {
	t := object.union(fx.trail(fx.sa, false), {"event_selectors": null, "advanced_event_selectors": [{"field_selectors": [
		{"field": "eventCategory", "equals": ["Management"]},
		{"field": "eventSource", "equals": ["s3.amazonaws.com"]},
	]}]})
	qualifying(fx.input_for(fx.with_trail(t), {})) == 0
}

test_advanced_selectors_excluding_kms_qualify if {
	t := object.union(fx.trail(fx.sa, false), {"event_selectors": null, "advanced_event_selectors": [{"field_selectors": [
		{"field": "eventCategory", "equals": ["Management"]},
		{"field": "eventSource", "not_equals": ["kms.amazonaws.com"]},
	]}]})
	qualifying(fx.input_for(fx.with_trail(t), {})) == 1
}
