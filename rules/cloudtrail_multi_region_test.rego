package rootwarden.rules.cloudtrail_multi_region_test

import rego.v1

import data.rootwarden.lib.monitoring_fixtures as fx
import data.rootwarden.rules.cloudtrail_multi_region as rule

# The rule's verdict sets for an input and requirements. (`with ... as` only ever takes local
# variables: regorus 0.14 loses rule values computed while evaluating a `with` target.)
denies(inp, req) := d if {
	d := rule.deny with input as inp with data.requirements as req
}

insufficient(inp, req) := r if {
	r := rule.insufficient_data with input as inp with data.requirements as req
}

outcome(inp, req) := "fail" if {
	count(denies(inp, req)) > 0
} else := "insufficient_data" if {
	count(insufficient(inp, req)) > 0
} else := "pass"

only_deny(inp, req) := d if {
	ds := denies(inp, req)
	count(ds) == 1
	some d in ds
}

test_pass_standalone if outcome(fx.standalone_input, fx.requirements) == "pass"

test_pass_member_via_organization_trail if outcome(fx.member_input({}), fx.requirements) == "pass"

test_pass_management_account_with_organization_trail if {
	outcome(fx.input_for(fx.management_account, {}), fx.requirements) == "pass"
}

test_pass_advanced_selectors if {
	acct := fx.trail_changed({"event_selectors": null, "advanced_event_selectors": [{
		"name": "Management events",
		"field_selectors": [{"field": "eventCategory", "equals": ["Management"]}],
	}]})
	outcome(fx.input_for(acct, {}), fx.requirements) == "pass"
}

test_pass_when_one_of_two_trails_qualifies if {
	bad := object.union(fx.trail(fx.sa, false), {
		"name": "old",
		"trail_arn": "arn:aws:cloudtrail:eu-west-1:555566667777:trail/old",
		"home_region": "eu-west-1",
		"is_multi_region_trail": false,
	})
	acct := fx.change(fx.standalone, {"eu-west-1": {"cloudtrail": {"trails": [fx.trail(fx.sa, false), bad]}}})
	outcome(fx.input_for(acct, {}), fx.requirements) == "pass"
}

test_fail_no_trail if {
	inp := fx.input_for(fx.change(fx.standalone, {
		"us-east-1": {"cloudtrail": {"trails": []}},
		"eu-west-1": {"cloudtrail": {"trails": []}},
	}), {})
	d := only_deny(inp, fx.requirements)
	d.resource == "arn:aws:iam::555566667777:root"
	d.region == null
	d.account_id == fx.sa
	d.message == "Account 555566667777 has no CloudTrail trail, so root activity is not recorded."
	d.evidence.trails == []
}

test_fail_trail_not_logging if {
	d := only_deny(fx.input_for(fx.trail_changed({"status": {"is_logging": false}}), {}), fx.requirements)
	contains(d.message, "None of the 1 CloudTrail trails of account 555566667777")
	d.evidence.trails[0].faults == ["logging is stopped"]
	d.evidence.trails[0].trail_arn == "arn:aws:cloudtrail:us-east-1:555566667777:trail/management-events"
}

test_fail_single_region if {
	d := only_deny(fx.input_for(fx.trail_changed({"is_multi_region_trail": false}), {}), fx.requirements)
	d.evidence.trails[0].faults == ["it is not multi-region (it records its home region only)"]
}

test_fail_write_only if {
	acct := fx.trail_changed({"event_selectors": [{"read_write_type": "WriteOnly", "include_management_events": true}]})
	d := only_deny(fx.input_for(acct, {}), fx.requirements)
	d.evidence.trails[0].faults == ["it does not record both read and write management events"]
}

test_fail_management_events_excluded if {
	acct := fx.trail_changed({"event_selectors": [{"read_write_type": "All", "include_management_events": false}]})
	outcome(fx.input_for(acct, {}), fx.requirements) == "fail"
}

test_fail_advanced_read_only_true if {
	acct := fx.trail_changed({"event_selectors": null, "advanced_event_selectors": [{"field_selectors": [
		{"field": "eventCategory", "equals": ["Management"]},
		{"field": "readOnly", "equals": ["true"]},
	]}]})
	outcome(fx.input_for(acct, {}), fx.requirements) == "fail"
}

test_fail_advanced_data_events_only if {
	acct := fx.trail_changed({"event_selectors": null, "advanced_event_selectors": [{"field_selectors": [
		{"field": "eventCategory", "equals": ["Data"]},
		{"field": "resources.type", "equals": ["AWS::S3::Object"]},
	]}]})
	outcome(fx.input_for(acct, {}), fx.requirements) == "fail"
}

test_fail_lists_every_fault if {
	acct := fx.trail_changed({"is_multi_region_trail": false, "status": {"is_logging": false}})
	d := only_deny(fx.input_for(acct, {}), fx.requirements)
	count(d.evidence.trails[0].faults) == 2
}

test_insufficient_status_unread if {
	inp := fx.input_for(fx.trail_changed({"status": null}), {})
	outcome(inp, fx.requirements) == "insufficient_data"
	some r in insufficient(inp, fx.requirements)
	contains(r.message, "trail management-events might qualify, but its logging status could not be read")
}

test_insufficient_selectors_unread if {
	outcome(fx.input_for(fx.trail_changed({"event_selectors": null, "advanced_event_selectors": null}), {}), fx.requirements) == "insufficient_data"
}

test_fail_not_insufficient_when_unread_trail_cannot_qualify if {
	acct := fx.trail_changed({"status": null, "is_multi_region_trail": false})
	outcome(fx.input_for(acct, {}), fx.requirements) == "fail"
}

test_insufficient_member_status_unread_and_owner_absent if {
	unread := object.union(fx.trail(fx.mgmt, true), {"status": null})
	acct := fx.change(fx.member_account, {
		"us-east-1": {"cloudtrail": {"trails": [unread]}},
		"eu-west-1": {"cloudtrail": {"trails": [unread]}},
	})
	outcome(fx.input_for(acct, {}), fx.requirements) == "insufficient_data"
}

test_fail_foreign_trail_that_is_not_an_organization_trail if {
	acct := fx.change(fx.member_account, {
		"us-east-1": {"cloudtrail": {"trails": [fx.trail(fx.mgmt, false)]}},
		"eu-west-1": {"cloudtrail": {"trails": [fx.trail(fx.mgmt, false)]}},
	})
	d := only_deny(fx.input_for(acct, {}), fx.requirements)
	d.evidence.trails[0].faults == ["it belongs to account 111111111111 and is not an organization trail"]
}

test_fail_member_organization_trail_not_logging if {
	stopped := object.union(fx.trail(fx.mgmt, true), {"status": {"is_logging": false}})
	acct := fx.change(fx.member_account, {
		"us-east-1": {"cloudtrail": {"trails": [stopped]}},
		"eu-west-1": {"cloudtrail": {"trails": [stopped]}},
	})
	outcome(fx.input_for(acct, {}), fx.requirements) == "fail"
}
