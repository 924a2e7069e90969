package rootwarden.rules.centralized_root_access_test

import rego.v1

import data.rootwarden.lib.root_fixtures as fx
import data.rootwarden.rules.centralized_root_access as rule

org_arn := "arn:aws:organizations::111111111111:organization/o-a1b2c3d4e5"

management(root_access) := object.union(
	fx.input_with({"account_id": "111111111111", "role": "management"}),
	{"organization": object.union(fx.organization, {"root_access": root_access})},
)

both_enabled := management({"root_credentials_management": true, "root_sessions": true})

test_management_with_both_features_passes if {
	count(rule.deny) == 0 with input as both_enabled with data.requirements as fx.requirements
	count(rule.not_applicable) == 0 with input as both_enabled with data.requirements as fx.requirements
}

test_management_without_credentials_management_fails if {
	inp := management({"root_credentials_management": false, "root_sessions": true})
	denies := rule.deny with input as inp with data.requirements as fx.requirements
	count(denies) == 1
	some f in denies
	f.account_id == "111111111111"
	f.resource == org_arn
	contains(f.message, "RootCredentialsManagement")
	f.evidence == {
		"organization_id": "o-a1b2c3d4e5",
		"management_account_id": "111111111111",
		"root_credentials_management": false,
	}
}

test_management_without_root_sessions_fails if {
	inp := management({"root_credentials_management": true, "root_sessions": false})
	denies := rule.deny with input as inp with data.requirements as fx.requirements
	count(denies) == 1
	some f in denies
	contains(f.message, "RootSessions")
	f.evidence.root_sessions == false
}

test_management_without_either_fails_twice if {
	inp := management({"root_credentials_management": false, "root_sessions": false})
	count(rule.deny) == 2 with input as inp with data.requirements as fx.requirements
}

test_resource_uses_partition if {
	inp := object.union(
		management({"root_credentials_management": false, "root_sessions": true}),
		{"account": {"partition": "aws-us-gov"}},
	)
	denies := rule.deny with input as inp with data.requirements as fx.requirements
	some f in denies
	f.resource == "arn:aws-us-gov:organizations::111111111111:organization/o-a1b2c3d4e5"
}

test_standalone_not_applicable if {
	count(rule.deny) == 0 with input as fx.base_input with data.requirements as fx.requirements
	nas := rule.not_applicable with input as fx.base_input with data.requirements as fx.requirements
	count(nas) == 1
	some na in nas
	contains(na.message, "management account")
}

test_member_not_applicable_even_when_features_off if {
	inp := fx.member_with({"organization": {"root_access": {"root_credentials_management": false, "root_sessions": false}}})
	count(rule.deny) == 0 with input as inp with data.requirements as fx.requirements
	nas := rule.not_applicable with input as inp with data.requirements as fx.requirements
	count(nas) == 1
	some na in nas
	contains(na.message, "management account")
	na.evidence == {"role": "member", "management_account_id": "111111111111"}
}

test_member_with_unreadable_organization_not_applicable if {
	inp := fx.member_with({"organization": null})
	count(rule.deny) == 0 with input as inp with data.requirements as fx.requirements
	nas := rule.not_applicable with input as inp with data.requirements as fx.requirements
	some na in nas
	na.evidence.management_account_id == null
}

test_member_with_unreadable_root_access_not_applicable if {
	inp := fx.member_with({"organization": {"root_access": null}})
	count(rule.deny) == 0 with input as inp with data.requirements as fx.requirements
	count(rule.not_applicable) == 1 with input as inp with data.requirements as fx.requirements
}
