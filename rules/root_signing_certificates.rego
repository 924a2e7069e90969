# METADATA
# title: Root user has no active signing certificates
# description: >-
#   The root user must not hold an active X.509 signing certificate. Root signing certificates
#   authenticate SOAP requests to a few legacy services with full root privileges and no MFA, are
#   rarely watched, and are easy to forget next to access keys. The credential report shows two
#   certificate slots; each active one is a finding. The check also compares the report with
#   iam:GetAccountSummary, which is current, to catch a certificate uploaded after the report was
#   generated. In a member account audited with --audit-root, the certificates an sts:AssumeRoot
#   session listed (ListSigningCertificates, current) are judged instead. Otherwise a credential
#   report generated more than 24 hours before collection (AWS regenerates it at most every 4
#   hours) cannot describe the credentials now: the control then has insufficient data.
# custom:
#   id: RW-ROOT-002
#   severity: high
#   remediation: >-
#     Delete the certificate. Console: sign in as root, open Security credentials, and under X.509
#     certificate choose Actions, Deactivate, then Delete. Member accounts with centralized root
#     access: from the management account run `aws sts assume-root --target-principal ACCOUNT_ID
#     --task-policy-arn arn=arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials`, then
#     with that session `aws iam list-signing-certificates` and
#     `aws iam delete-signing-certificate --certificate-id CERT_ID`.
#   requires: [credential_report, account_summary]
package rootwarden.rules.root_signing_certificates

import rego.v1

import data.rootwarden.lib.root
import data.rootwarden.lib.util

account_id := input.account.account_id

deny contains f if {
	some slot in root.active_certs
	cells := root.certs[slot]
	f := {
		"account_id": account_id,
		"resource": util.root_arn,
		"key": sprintf("signing_certificate_%d", [slot]),
		"message": sprintf("Root %s is active; delete it.", [cert_label(slot, cells)]),
		"evidence": object.union(
			{"slot": slot, "active": true, "last_rotated": cells.last_rotated, "certificates_from": root.source("signing_certificates")},
			{k: v | some k, v in {"certificate_id_last4": cells.certificate_id_last4}},
		),
	}
}

cert_label(slot, cells) := sprintf("signing certificate %d (ending %s)", [slot, cells.certificate_id_last4]) if {
	is_string(cells.certificate_id_last4)
} else := sprintf("signing certificate %d", [slot])

# GetAccountSummary is current; the credential report may be up to four hours old.
deny contains f if {
	input.account.iam.account_summary.account_signing_certificates_present == true
	count(root.certs) == 0
	f := {
		"account_id": account_id,
		"resource": util.root_arn,
		"message": summary_message,
		"evidence": object.union(
			{
				"account_signing_certificates_present": true,
				"credential_report_generated_at": root.report_generated_at,
			},
			report_slots,
		),
	}
}

summary_message := sprintf(
	"The account summary reports a root signing certificate; the credential report generated at %s is too old to say which (%d hours before collection).",
	[root.report_generated_at, root.stale_report.evidence.age_hours],
) if {
	not root.audited("signing_certificates")
	root.report_stale
	root.report_age_ns >= 0
} else := sprintf(
	"The account summary reports a root signing certificate but %s shows none; %s.",
	[root.source("signing_certificates"), stale_hint],
)

stale_hint := "a certificate may have been uploaded since" if {
	root.audited("signing_certificates")
} else := "the credential report may be stale"

report_slots := {"cert_1": root.cert_slots[1], "cert_2": root.cert_slots[2]} if {
	not root.report_stale
} else := {}

# Certificates a root session listed are current; without them they rest on the report.
insufficient_data contains root.stale_report if {
	root.report_stale
	not root.audited("signing_certificates")
}
