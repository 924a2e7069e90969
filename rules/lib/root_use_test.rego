package rootwarden.lib.root_use_test

import rego.v1

import data.rootwarden.lib.root_fixtures as fx
import data.rootwarden.lib.root_use

event(id, at, name) := {"event_id": id, "event_time": at, "event_name": name}

exception(scenario, patch) := object.union(
	{
		"account_id": fx.account_id,
		"scenario": scenario,
		"allowed_event_names": [],
		"approver": "ciso@example.com",
		"expires": "2026-11-30",
	},
	patch,
)

inp(events) := fx.input_with({"activity": {"events": events}})

test_approvals_name_the_first_covering_exception_by_event_index if {
	events := [
		event("a", "2026-11-02T10:00:00Z", "ConsoleLogin"),
		event("b", "2026-11-05T10:00:00Z", "CreateUser"),
		event("c", "2026-12-01T00:00:00Z", "ConsoleLogin"),
	]
	list := [
		exception("Sign-ins", {"allowed_event_names": ["ConsoleLogin"], "starts": "2026-11-01", "expires": "2026-11-03"}),
		exception("Anything", {}),
		exception("Later", {"starts": "2026-12-01", "expires": "2026-12-01", "account_id": "999999999999"}),
	]
	got := root_use.approvals with input as inp(events) with data.requirements as fx.requirements_with({"root_use_exceptions": list})
	got == [
		{"index": 0, "scenario": "Sign-ins", "approver": "ciso@example.com", "expires": "2026-11-03"},
		{"index": 1, "scenario": "Anything", "approver": "ciso@example.com", "expires": "2026-11-30"},
	]
}

test_a_time_is_covered_without_an_event_name if {
	ns := time.parse_rfc3339_ns("2026-11-30T23:59:59.5Z")
	reqs := fx.requirements_with({"root_use_exceptions": [exception("Keys", {"allowed_event_names": ["ListBuckets"]})]})
	root_use.covered_time(ns) with input as inp([]) with data.requirements as reqs
	not root_use.covered_time(ns + 500000000) with input as inp([]) with data.requirements as reqs
}
