# METADATA
# title: Root user has MFA enabled
# description: >-
#   The root user must sign in with multi-factor authentication. Root can do everything in the
#   account, including closing it and changing its contact and billing details, so a leaked or
#   phished root password must not be enough to sign in. The credential report's mfa_active cell
#   decides (or, in a member account audited with --audit-root, the MFA devices an sts:AssumeRoot
#   session listed); iam:GetAccountSummary, which is current, is compared with it to catch an MFA
#   device removed after the report was generated. The control does not apply to a member account whose
#   root credentials were removed through centralized root access (no password, no access key, no
#   active signing certificate, and RootCredentialsManagement enabled so the password cannot be
#   recovered).
#   Without a root session's device list, a credential report generated more than 24 hours before
#   collection (AWS regenerates it at most every 4 hours) cannot describe the credentials now: the
#   control then has insufficient data.
# custom:
#   id: RW-ROOT-003
#   severity: critical
#   remediation: >-
#     Sign in as root, open Security credentials, choose Assign MFA device and register a security
#     key or hardware TOTP token (an authenticator app at the very least); register a second device
#     as a spare. For a member account that does not need root credentials, remove them instead:
#     enable centralized root access (`aws iam enable-organizations-root-credentials-management`),
#     then run `aws sts assume-root --target-principal ACCOUNT_ID --task-policy-arn
#     arn=arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials` and with that session
#     `aws iam delete-login-profile`.
#   cis: ["1.5 (v1.4.0-v4.0.1)"]
#   aws_security_hub: ["IAM.9"]
#   requires: [credential_report, account_summary]
#   kpi: root_mfa
package rootwarden.rules.root_mfa

import rego.v1

import data.rootwarden.lib.root
import data.rootwarden.lib.util

account_id := input.account.account_id

deny contains f if {
	root.mfa_on == false
	not root.no_root_credentials
	f := {
		"account_id": account_id,
		"resource": util.root_arn,
		"message": message,
		"evidence": {
			"mfa_active": false,
			"mfa_from": root.source("mfa_devices"),
			"password_last_used": root.report_root.password_last_used,
			"root_login_profile": object.get(input.account.iam, "root_login_profile", null),
			"existing_key_slots": sort(object.keys(root.keys)),
			"role": input.account.role,
		},
	}
}

message := "The root user has a password and no MFA device; a stolen root password alone signs in." if {
	input.account.iam.root_login_profile == "present"
} else := "The root user has no MFA device; a stolen root password alone signs in."

# GetAccountSummary is current; the credential report may be up to four hours old.
deny contains f if {
	root.mfa_on == true
	input.account.iam.account_summary.account_mfa_enabled == false
	not root.no_root_credentials
	f := {
		"account_id": account_id,
		"resource": util.root_arn,
		"message": sprintf(
			"%s shows root MFA, but the account summary says root MFA is not enabled now.",
			[util.sentence_start(root.source("mfa_devices"))],
		),
		"evidence": {
			"mfa_active": true,
			"mfa_from": root.source("mfa_devices"),
			"account_mfa_enabled": false,
			"credential_report_generated_at": root.report_generated_at,
		},
	}
}

# MFA devices a root session listed are current; without them MFA rests on the report.
insufficient_data contains root.stale_report if {
	root.report_stale
	not root.audited("mfa_devices")
}

not_applicable contains {
	"message": "The root user has no credentials: they were removed through centralized root access.",
	"evidence": root.no_root_credentials_evidence,
} if {
	root.no_root_credentials
}
