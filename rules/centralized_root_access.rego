# METADATA
# title: Centralized root access is enabled for the organization
# description: >-
#   AWS Organizations can manage the root users of member accounts centrally. With
#   RootCredentialsManagement enabled, the management account (or a delegated administrator) can
#   delete member accounts' root passwords, access keys, signing certificates and MFA devices, and
#   block root password recovery, so members have no long-lived root credentials to lose. With
#   RootSessions enabled, the few tasks that need root run in short, task-scoped sts:AssumeRoot
#   sessions that CloudTrail records, instead of a root sign-in. Both features are organization
#   settings, so the control is judged on the management account only.
# custom:
#   id: RW-ORG-001
#   severity: medium
#   remediation: >-
#     From the management account: console, open IAM, Root access management, choose Enable and
#     select both Root credentials management and Privileged root actions in member accounts. CLI:
#     `aws organizations enable-aws-service-access --service-principal iam.amazonaws.com`, then
#     `aws iam enable-organizations-root-credentials-management` and
#     `aws iam enable-organizations-root-sessions`. Then remove the root credentials of member
#     accounts that do not need them.
#   requires: [organization_root_access]
package rootwarden.rules.centralized_root_access

import rego.v1

account_id := input.account.account_id

org := input.organization

organization_arn := sprintf("arn:%s:organizations::%s:organization/%s", [input.account.partition, account_id, org.id])

is_management if input.account.role == "management"

deny contains f if {
	is_management
	org.root_access.root_credentials_management == false
	f := {
		"account_id": account_id,
		"resource": organization_arn,
		"message": sprintf(
			"Organization %s does not have centralized root credentials management (RootCredentialsManagement) enabled.",
			[org.id],
		),
		"evidence": {
			"organization_id": org.id,
			"management_account_id": org.management_account_id,
			"root_credentials_management": false,
		},
	}
}

deny contains f if {
	is_management
	org.root_access.root_sessions == false
	f := {
		"account_id": account_id,
		"resource": organization_arn,
		"message": sprintf(
			"Organization %s does not have centralized privileged root sessions (RootSessions) enabled.",
			[org.id],
		),
		"evidence": {
			"organization_id": org.id,
			"management_account_id": org.management_account_id,
			"root_sessions": false,
		},
	}
}

not_applicable contains {
	"message": "Centralized root access is an organization setting, judged on the management account; this account is not in an organization.",
	"evidence": {"role": "standalone"},
} if {
	input.account.role == "standalone"
}

not_applicable contains {
	"message": "Centralized root access is an organization setting, judged on the organization's management account.",
	"evidence": {
		"role": "member",
		"management_account_id": object.get(org_or_empty, "management_account_id", null),
	},
} if {
	input.account.role == "member"
}

org_or_empty := org if {
	is_object(org)
} else := {}
