# Whether an SNS topic's access policy lets an AWS service principal (EventBridge:
# events.amazonaws.com) publish to it, judged as IAM evaluates a resource policy: an explicit
# Deny that applies wins, else an Allow that applies grants, else the request is denied. A
# statement rootwarden cannot evaluate for certain (NotPrincipal, NotAction, NotResource, a
# condition on another key or with another operator) makes the answer "unknown", never "allow".
#
# Pure functions: the policy text and the request come in as arguments.
package rootwarden.lib.sns_policy

import rego.v1

# The verdict on a publish request: {"state": "allow"|"deny"|"unknown", "why": text}.
# `request` is {"service": principal, "topic_arn", "source_arn", "source_account"}.
publish(policy_text, request) := {"state": "unknown", "why": "the topic's access policy was not collected"} if {
	not is_string(policy_text)
} else := {"state": "unknown", "why": "the topic's access policy is not valid JSON"} if {
	not json.is_valid(policy_text)
} else := v if {
	v := _evaluate(_statements(json.unmarshal(policy_text)), request)
}

_statements(doc) := s if {
	s := object.get(doc, "Statement", [])
	is_array(s)
} else := [s] if {
	s := doc.Statement
	is_object(s)
} else := []

_evaluate(statements, request) := {"state": "deny", "why": sprintf("statement %s denies %s sns:Publish", [_sid(s), request.service])} if {
	some s in statements
	_effect(s) == "Deny"
	_applies(s, request) == "yes"
} else := {"state": "unknown", "why": sprintf("rootwarden cannot tell whether statement %s, which denies, applies to %s", [_sid(s), request.service])} if {
	some s in statements
	_effect(s) == "Deny"
	_applies(s, request) == "unknown"
} else := {"state": "allow", "why": sprintf("statement %s allows %s sns:Publish", [_sid(s), request.service])} if {
	some s in statements
	_effect(s) == "Allow"
	_applies(s, request) == "yes"
} else := {"state": "unknown", "why": sprintf("rootwarden cannot tell whether statement %s allows %s to publish", [_sid(s), request.service])} if {
	some s in statements
	_effect(s) == "Allow"
	_applies(s, request) == "unknown"
} else := {"state": "deny", "why": sprintf("no statement of the topic's access policy allows %s to publish (sns:Publish)", [request.service])}

_sid(s) := sprintf("%q", [s.Sid]) if is_string(object.get(s, "Sid", null))

else := "(without Sid)"

_effect(s) := object.get(s, "Effect", "")

# Whether a statement applies to the request: "yes", "no" or "unknown".
_applies(s, request) := "unknown" if {
	some k in {"NotPrincipal", "NotAction", "NotResource"}
	k in object.keys(s)
} else := "no" if {
	not _principal(object.get(s, "Principal", null), request.service)
} else := "no" if {
	not _any_glob(object.get(s, "Action", null), "sns:publish", true)
} else := "no" if {
	not _any_glob(object.get(s, "Resource", null), request.topic_arn, false)
} else := _conditions(object.get(s, "Condition", {}), request)

_principal("*", _) := true

_principal(p, service) if {
	is_object(p)
	some x in _list(object.get(p, "Service", []))
	x in _service_names(service)
}

_principal(p, _) if {
	is_object(p)
	"*" in _list(object.get(p, "AWS", []))
}

# A service principal's names (the China partition's also end in .cn).
_service_names(service) := {service, concat("", [service, ".cn"])}

_list(x) := x if is_array(x)

else := [x] if is_string(x)

else := []

# Some pattern of x (a string or a list) matches value, with IAM's `*` and `?` wildcards.
_any_glob(x, value, case_insensitive) if {
	some p in _list(x)
	_glob(p, value, case_insensitive)
}

_glob(p, value, true) if glob.match(lower(p), [], lower(value))

_glob(p, value, false) if glob.match(p, [], value)

# A Condition block: every operator and key must hold ("yes"), one that does not gives "no",
# one rootwarden cannot evaluate "unknown".
_conditions(c, request) := "yes" if {
	is_object(c)
	count(c) == 0
} else := "unknown" if {
	not is_object(c)
} else := "no" if {
	some op, kv in c
	some key, values in kv
	_condition(op, key, values, request) == "no"
} else := "unknown" if {
	some op, kv in c
	some key, values in kv
	_condition(op, key, values, request) == "unknown"
} else := "yes"

_condition(op, key, values, request) := "yes" if {
	endswith(op, "IfExists")
	_operator(trim_suffix(op, "IfExists"))
	lower(key) in _absent_keys
} else := "no" if {
	_operator(trim_suffix(op, "IfExists"))
	lower(key) in _absent_keys
} else := _match(_operator(trim_suffix(op, "IfExists")), _context(lower(key), request), _list(values)) if {
	_operator(trim_suffix(op, "IfExists"))
	_context(lower(key), request)
} else := "unknown"

# Keys a service principal's request does not carry: a condition on them does not match (unless
# ...IfExists). aws:SourceOwner is why SNS's default topic policy (Principal "*", condition
# AWS:SourceOwner) does not let EventBridge publish, as AWS's troubleshooting guide for
# EventBridge-to-SNS delivery says.
_absent_keys := {"aws:sourceowner"}

# The operators rootwarden evaluates, and how: exact or with wildcards.
_operator(op) := "exact" if op in {"StringEquals", "ArnEquals"}

_operator(op) := "glob" if op in {"StringLike", "ArnLike"}

# The value of a condition key in a request EventBridge makes on behalf of a rule.
_context("aws:sourcearn", request) := request.source_arn

_context("aws:sourceaccount", request) := request.source_account

_match("exact", v, values) := "yes" if v in values

else := "no"

_match("glob", v, values) := "yes" if {
	some p in values
	glob.match(p, [], v)
} else := "no"
