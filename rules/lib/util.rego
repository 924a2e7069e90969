# Shared helpers for rootwarden rules. Time always comes from the snapshot, never the clock.
package rootwarden.lib.util

import rego.v1

# Nanoseconds in a day.
day_ns := 86400000000000

# The evaluation's "now": when the snapshot was collected.
now_ns := time.parse_rfc3339_ns(input.collected_at)

# The ARN of the account's root user.
root_arn := sprintf("arn:%s:iam::%s:root", [input.account.partition, input.account.account_id])

# AWS credential-report markers that stand in for a value.
markers := {"N/A", "no_information", "not_supported"}

# True when a credential-report cell holds a timestamp rather than a marker.
is_timestamp(v) if {
	is_string(v)
	not v in markers
}

# Whole days between a timestamp and the snapshot's collected_at.
days_since(ts) := floor((now_ns - time.parse_rfc3339_ns(ts)) / day_ns)

# End (23:59:59 UTC) of a YYYY-MM-DD date from the requirements: such dates are inclusive.
date_end_ns(d) := time.parse_rfc3339_ns(concat("", [d, "T23:59:59Z"]))

# True while a YYYY-MM-DD date has not passed at the snapshot's collected_at.
not_passed(d) if now_ns <= date_end_ns(d)

# A clause as the start of a sentence: its first letter upper case.
sentence_start(text) := concat("", [upper(substring(text, 0, 1)), substring(text, 1, -1)])

# A JSON array, or [] for null (`some x in null` is an error in regorus).
arr(x) := x if {
	is_array(x)
} else := []

# The account id in an ARN.
arn_account(arn) := split(arn, ":")[4]

# The region in an ARN.
arn_region(arn) := split(arn, ":")[3]

# The last `:`-separated part of an ARN (a topic's name).
arn_name(arn) := parts[count(parts) - 1] if parts := split(arn, ":")

# An SNS topic ARN: arn:PARTITION:sns:REGION:ACCOUNT:NAME.
is_sns_topic_arn(x) if {
	is_string(x)
	p := split(x, ":")
	count(p) == 6
	p[0] == "arn"
	p[2] == "sns"
}

# "Text" from "text" (messages are built from lower-case clauses).
sentence(text) := concat("", [upper(substring(text, 0, 1)), substring(text, 1, -1), "."])

# A string, or null when it is empty (for evidence).
nonempty(s) := s if s != ""

else := null
