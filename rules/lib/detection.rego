# The metric-filter chain (rules/lib/monitoring.rego) weighed against the EventBridge path
# (rules/lib/eventbridge.rego) for the chain's rules RW-MON-003 to RW-MON-005:
#
# - the chain works through the rule's stage: pass, whatever EventBridge does (CIS evidence);
# - otherwise, when the requirements accept EventBridge and its path is complete: not applicable;
# - otherwise, when either might still work (facts missing): insufficient data;
# - otherwise the chain's breaks are the findings.
package rootwarden.lib.detection

import rego.v1

import data.rootwarden.lib.eventbridge as eb
import data.rootwarden.lib.monitoring as m

# The deny entries of the chain rule for stage n.
denials(n, prefix) := d if {
	not eb.accepted
	not eb.undecided
	d := m.chain_denials(n, prefix)
} else := set()

# The insufficient_data entries of the chain rule for stage n.
insufficient(n, what) := {r |
	not eb.accepted
	not m.chain_ok(n)
	reasons := array.concat(m.undecided_reasons(n), _eventbridge_reasons)
	count(reasons) > 0
	r := {
		"message": sprintf("Cannot decide whether %s: %s.", [what, concat("; ", reasons)]),
		"evidence": {"reasons": reasons},
	}
}

_eventbridge_reasons := eb.unknown_reasons if {
	eb.undecided
} else := []

# The not_applicable entries of the chain rule for stage n: the EventBridge path replaces a chain
# that does not work.
not_applicable(n) := {eb.replacement} if {
	eb.accepted
	not m.chain_ok(n)
} else := set()
