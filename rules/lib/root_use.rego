# Root-use approval, decided here once: which approved root_use_exceptions entry of the
# requirements covers a use of root. RW-ACT-001 denies the events no exception covers,
# RW-ROOT-003 the credential uses none covers, and `rootwarden activity` shows on its timeline
# the exception that approved each event by asking this library (`approvals`).
package rootwarden.lib.root_use

import rego.v1

import data.rootwarden.lib.util

# An account's exceptions, in the requirements' order. (A function, not a rule: regorus 0.14
# keeps a rule's value across `with data.requirements as ...` in the tests.)
exceptions(account_id) := [e |
	some e in data.requirements.root_use_exceptions
	e.account_id == account_id
]

_day_start_ns(d) := time.parse_rfc3339_ns(concat("", [d, "T00:00:00Z"]))

# Whether a time (ns) falls in an exception's days: from the start of its `starts` day (or
# unbounded) to the end of its `expires` day, UTC, both inclusive.
in_window(e, t) if {
	not is_string(object.get(e, "starts", null))
	t < _day_start_ns(e.expires) + util.day_ns
}

in_window(e, t) if {
	is_string(object.get(e, "starts", null))
	_day_start_ns(e.starts) <= t
	t < _day_start_ns(e.expires) + util.day_ns
}

# Whether an exception allows an event name: it is listed, or the list is empty.
allows(e, name) if {
	is_string(name)
	count(object.get(e, "allowed_event_names", [])) == 0
}

allows(e, name) if name in e.allowed_event_names

# Whether exception e covers root event ev (of input.account.activity.events).
covers(e, ev) if {
	in_window(e, time.parse_rfc3339_ns(ev.event_time))
	allows(e, ev.event_name)
}

# Whether some exception covers root event ev.
covered(ev) if {
	some e in exceptions(input.account.account_id)
	covers(e, ev)
}

# Whether some exception's days include a time (ns) at which root was used for an unknown event
# (a credential's last use in the credential report names no event).
covered_time(t) if {
	some e in exceptions(input.account.account_id)
	in_window(e, t)
}

# The first exception, in the requirements' order, that covers ev; undefined when none does.
approving_exception(ev) := list[indexes[0]] if {
	list := exceptions(input.account.account_id)
	indexes := [i | some i, e in list; covers(e, ev)]
	count(indexes) > 0
}

# The approved events of the account's activity: their index in activity.events and the
# exception that approved each.
approvals := [{"index": i, "scenario": e.scenario, "approver": e.approver, "expires": e.expires} |
	some i, ev in input.account.activity.events
	e := approving_exception(ev)
]
