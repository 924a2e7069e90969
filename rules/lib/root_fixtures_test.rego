# Shared test fixtures for the root-credential rules: a compliant standalone account whose
# credential report shows no key, no certificate, hardware MFA and no recent root use.
# Only test files use this package (it is a *_test.rego file, so it is never loaded for evaluation).
package rootwarden.lib.root_fixtures

import rego.v1

account_id := "555566667777"

collected_at := "2026-11-20T08:00:00Z"

root_arn := "arn:aws:iam::555566667777:root"

no_key := {
	"active": false,
	"last_rotated": "N/A",
	"last_used_date": "N/A",
	"last_used_region": "N/A",
	"last_used_service": "N/A",
	"key_id_last4": "not_listed",
}

no_cert := {"active": false, "last_rotated": "N/A"}

hardware_device := {
	"serial_number": "GAHT10045981",
	"kind": "hardware",
	"enable_date": "2020-01-15T12:00:00Z",
}

virtual_device := {
	"serial_number": "arn:aws:iam::555566667777:mfa/root-account-mfa-device",
	"kind": "virtual",
	"enable_date": "2021-06-01T12:00:00Z",
}

root_row := {
	"arn": root_arn,
	"user_creation_time": "2019-03-01T10:00:00Z",
	"password_enabled": "not_supported",
	"password_last_used": "2026-05-04T09:12:44Z",
	"password_last_changed": "not_supported",
	"mfa_active": true,
	"access_key_1": no_key,
	"access_key_2": no_key,
	"cert_1": no_cert,
	"cert_2": no_cert,
}

account := {
	"account_id": account_id,
	"partition": "aws",
	"role": "standalone",
	"iam": {
		"credential_report": {"generated_at": "2026-11-20T07:58:31Z", "root": root_row},
		"account_summary": {
			"account_mfa_enabled": true,
			"account_access_keys_present": false,
			"account_signing_certificates_present": false,
		},
		"root_mfa_devices": [hardware_device],
		"root_login_profile": null,
	},
	"regions": {},
}

base_input := {
	"schema_version": "1.0",
	"collected_at": collected_at,
	"organization": null,
	"account": account,
	"related_accounts": {},
	"collection_errors": [],
}

# The base input with `patch` merged (recursively) into the account.
input_with(patch) := object.union(base_input, {"account": patch})

# The base input with `patch` merged into the credential report's root row.
root_with(patch) := input_with({"iam": {"credential_report": {"root": patch}}})

# `inp` with its credential report generated at `ts` (collected_at is 2026-11-20T08:00:00Z).
generated(inp, ts) := object.union(inp, {"account": {"iam": {"credential_report": {"generated_at": ts}}}})

# A report over a year old at collection.
stale_at := "2025-10-01T06:00:00Z"

organization := {
	"id": "o-a1b2c3d4e5",
	"management_account_id": "111111111111",
	"feature_set": "ALL",
	"root_access": {"root_credentials_management": true, "root_sessions": true},
}

# A member account of `organization` whose root credentials were removed centrally.
credentialless_member := object.union(
	input_with({
		"role": "member",
		"iam": {
			"credential_report": {"root": {"mfa_active": false, "password_last_used": "N/A"}},
			"account_summary": {"account_mfa_enabled": false},
			"root_mfa_devices": [],
			"root_login_profile": "absent",
		},
	}),
	{"organization": organization},
)

# `credentialless_member` with `patch` merged into the whole input.
member_with(patch) := object.union(credentialless_member, patch)

# What an --audit-root session read in a member account with no root credentials at all.
empty_audit := {
	"audited_at": "2026-11-20T07:59:40Z",
	"access_keys": [],
	"signing_certificates": [],
	"mfa_devices": [],
}

# A member account audited with --audit-root: `login_profile` ("present" or "absent") and `audit`
# merged into `empty_audit`, over a credential report that (stale) shows MFA and no credentials.
audited_member(login_profile, audit) := object.union(
	input_with({
		"role": "member",
		"iam": {
			"credential_report": {"root": {"password_last_used": "N/A"}},
			"root_login_profile": login_profile,
			"root_audit": object.union(empty_audit, audit),
		},
	}),
	{"organization": organization},
)

# The requirements with every default filled in, as the engine passes them.
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

# The default requirements with `patch` merged in.
requirements_with(patch) := object.union(requirements, patch)
