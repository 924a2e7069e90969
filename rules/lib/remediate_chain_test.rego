package rootwarden.lib.remediate_chain_test

import rego.v1

import data.rootwarden.lib.monitoring_fixtures as fx
import data.rootwarden.lib.remediate_chain as chain

test_a_compliant_chain_is_reported_link_by_link if {
	inp := fx.standalone_input
	req := fx.requirements
	c := chain.chain with input as inp with data.requirements as req
	[d] := c.deliveries
	d.state == "ok"
	d.group_exists == true
	[rf] := c.root_filters
	count(rf.metrics) == 1
	[l] := c.alarm_links
	l.state == "ok"
	[a] := l.good
	[t] := a.topics
	t.verdict.state == "ok"
	count(c.reaching_topics) == 1
	every s in c.sections { s.known }
	c.accepted_endpoints == []
}

# Candidate endpoints are judged as RW-MON-005 judges subscriptions: only `*` is special.
test_accepted_endpoints_follow_the_monitoring_library if {
	inp := fx.standalone_input
	req := fx.requirements_with({"alerting": {"accepted_endpoints": [`ops\*@corp.example`, "soc@corp.example"]}})
	candidates := {"candidate_endpoints": [`ops\x@corp.example`, "ops*@corp.example", "soc@corp.example", "x@gmail.example"]}
	got := chain.accepted_endpoints with input as inp with data.requirements as req with data.remediate as candidates
	got == [`ops\x@corp.example`, "soc@corp.example"]
}

test_without_an_accepted_list_every_candidate_is_accepted if {
	inp := fx.standalone_input
	req := fx.requirements
	candidates := {"candidate_endpoints": ["a@b.example"]}
	got := chain.accepted_endpoints with input as inp with data.requirements as req with data.remediate as candidates
	got == ["a@b.example"]
}

test_a_broken_alarm_is_listed_with_its_faults if {
	inp := fx.input_for(fx.alarm_changed({"actions_enabled": false}), {})
	req := fx.requirements
	c := chain.chain with input as inp with data.requirements as req
	[l] := c.alarm_links
	l.state == "fail"
	[b] := l.broken
	b.faults == ["its actions are disabled"]
}
