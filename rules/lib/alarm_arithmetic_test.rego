# Tests of the alarm arithmetic. docs/alarm-semantics.md holds the full table, every row of
# which tests/alarm_semantics.rs evaluates through RW-MON-004; these check the library's parts
# and its messages.
package rootwarden.lib.alarm_arithmetic_test

import rego.v1

import data.rootwarden.lib.alarm_arithmetic as arith

ctx := {"account_id": "555566667777", "partition": "aws"}

sign_in := [e | some e in data.canonical_events; e.id == "root-console-sign-in-success"]

required := [e | some e in data.canonical_events; count(e.alert_for) > 0]

base_alarm := {
	"alarm_name": "root",
	"metric_name": "RootAccountUsageCount",
	"namespace": "CISBenchmark",
	"statistic": "Sum",
	"dimensions": [],
	"unit": "not_set",
	"period": 300,
	"evaluation_periods": 1,
	"datapoints_to_alarm": 1,
	"threshold": 1,
	"comparison_operator": "GreaterThanOrEqualToThreshold",
	"treat_missing_data": "notBreaching",
	"evaluate_low_sample_count_percentile": "evaluate",
	"metrics": [],
}

base_filter := {
	"metric_name": "RootAccountUsageCount",
	"metric_namespace": "CISBenchmark",
	"metric_value": "1",
	"default_value": "not_set",
	"unit": "None",
	"dimensions": {},
	"other_units": [],
}

judged(alarm, filter) := arith.judge(a, arith.alarm_view(a), t, required, ctx) if {
	a := object.union(base_alarm, alarm)
	t := object.union(base_filter, filter)
}

verdict(alarm, filter) := "fires" if {
	j := judged(alarm, filter)
	count(j.faults) == 0
	count(j.unknowns) == 0
} else := "never" if {
	count(judged(alarm, filter).faults) > 0
} else := "unknown"

test_cis_alarm_fires if verdict({}, {}) == "fires"

test_metric_value_zero_never_reaches_the_threshold if {
	j := judged({}, {"metric_value": "0"})
	j.faults == ["for every required root event: the metric value 0 never reaches the threshold 1 (Sum 0 is not >= 1)"]
}

test_sample_count_counts_a_zero_value if verdict({"statistic": "SampleCount"}, {"metric_value": "0"}) == "fires"

test_sample_count_with_default_rests_in_alarm if {
	j := judged({"statistic": "SampleCount"}, {"default_value": 0})
	some f in j.faults
	startswith(f, "a period without root activity holds the default value 0")
}

test_average_with_default_is_diluted if {
	j := judged({"statistic": "Average"}, {"default_value": 0})
	j.faults == ["for every required root event: a period holding one root event (metric value 1) and 4 minute(s) of the default value 0 has Average 0.2, which is not >= 1"]
}

test_average_with_default_in_a_one_minute_period if verdict({"statistic": "Average", "period": 60}, {"default_value": 0}) == "fires"

test_average_above_a_zero_default if {
	verdict({"statistic": "Average", "comparison_operator": "GreaterThanThreshold", "threshold": 0}, {"default_value": 0}) == "fires"
}

test_field_value_absent_from_events if {
	j := judged({}, {"metric_value": "$.bytesTransferred"})
	j.faults == ["for every required root event: the event has no number at $.bytesTransferred, so the filter publishes nothing for it"]
}

test_percentiles if {
	verdict({"statistic": null, "extended_statistic": "p99"}, {}) == "fires"
	verdict({"statistic": null, "extended_statistic": "p99"}, {"default_value": 0}) == "never"
	verdict({"statistic": null, "extended_statistic": "p100"}, {"default_value": 0}) == "fires"
	verdict({"statistic": null, "extended_statistic": "p50"}, {"metric_value": "-1"}) == "never"
}

test_trimmed if {
	verdict({"statistic": null, "extended_statistic": "tm99"}, {}) == "fires"
	verdict({"statistic": null, "extended_statistic": "IQM"}, {}) == "fires"
	verdict({"statistic": null, "extended_statistic": "TM(0:10)"}, {}) == "fires"
	verdict({"statistic": null, "extended_statistic": "TM(1:10)"}, {}) == "never"
	verdict({"statistic": null, "extended_statistic": "TC(0:10)"}, {"default_value": 0}) == "fires"
	verdict({"statistic": null, "extended_statistic": "TS(:10)"}, {"default_value": 0}) == "fires"
	verdict({"statistic": null, "extended_statistic": "PR(0.5:)", "threshold": 100}, {}) == "fires"
	verdict({"statistic": null, "extended_statistic": "PR(0.5:)", "threshold": 100}, {"default_value": 0}) == "never"
	verdict({"statistic": null, "extended_statistic": "WM(:0.5)"}, {}) == "never"
	verdict({"statistic": null, "extended_statistic": "tc90"}, {"default_value": 0}) == "never"
	verdict({"statistic": null, "extended_statistic": "ts90"}, {"default_value": 0}) == "unknown"
	verdict({"statistic": null, "extended_statistic": "TM(5%:50)"}, {}) == "unknown"
}

test_missing_data_treatments if {
	verdict({"treat_missing_data": "missing", "evaluation_periods": 3, "datapoints_to_alarm": 2}, {}) == "fires"
	verdict({"treat_missing_data": "notBreaching", "evaluation_periods": 3, "datapoints_to_alarm": 2}, {}) == "never"
	verdict({"treat_missing_data": "ignore"}, {}) == "never"
	verdict({"treat_missing_data": "ignore"}, {"default_value": 0}) == "fires"
	verdict({"treat_missing_data": "breaching"}, {}) == "never"
	verdict({"treat_missing_data": "missing", "evaluation_periods": 3, "datapoints_to_alarm": 2}, {"default_value": 0}) == "never"
}

test_dimensions if {
	verdict({}, {"dimensions": {"Type": "$.userIdentity.type"}}) == "never"
	verdict({"dimensions": [{"name": "Type", "value": "Root"}]}, {"dimensions": {"Type": "$.userIdentity.type"}}) == "fires"
	verdict({"dimensions": [{"name": "Region", "value": "us-east-1"}]}, {"dimensions": {"Region": "$.awsRegion"}}) == "never"
	verdict({"dimensions": [{"name": "Account", "value": "555566667777"}]}, {"dimensions": {"Account": "$.recipientAccountId"}}) == "fires"
	verdict({"dimensions": [{"name": "Account", "value": "111122223333"}]}, {"dimensions": {"Account": "$.recipientAccountId"}}) == "never"
	verdict({"dimensions": [{"name": "Type", "value": "Root"}]}, {}) == "never"
}

test_units if {
	verdict({"unit": "Count"}, {}) == "never"
	verdict({"unit": "Count"}, {"unit": "Count"}) == "fires"
	verdict({}, {"other_units": ["Count"]}) == "never"
}

test_uncollected_facts_are_unknown if {
	verdict({}, {"default_value": null}) == "unknown"
	verdict({}, {"unit": null}) == "unknown"
	verdict({}, {"dimensions": null}) == "unknown"
	verdict({"unit": null}, {}) == "unknown"
	verdict({"dimensions": null}, {}) == "unknown"
	verdict({"treat_missing_data": null}, {}) == "unknown"
	verdict({"statistic": null}, {}) == "unknown"
	verdict({"threshold": null}, {}) == "unknown"
	verdict({"period": null}, {"default_value": 0}) == "unknown"
}

test_low_sample_percentiles if {
	verdict({"statistic": null, "extended_statistic": "p99", "evaluate_low_sample_count_percentile": "ignore"}, {}) == "never"
}

test_less_than_on_a_sparse_metric_fires if {
	verdict({"comparison_operator": "LessThanThreshold"}, {"metric_value": "0"}) == "fires"
}

test_statistic_parsing if {
	arith.parse_statistic("TM(10%:90%)") == {"kind": "TM", "extended": true, "percent": true, "lo": 10, "hi": 90}
	arith.parse_statistic("PR(:300)") == {"kind": "PR", "extended": true, "percent": false, "lo": null, "hi": 300}
	arith.parse_statistic("wm98").hi == 98
	not arith.parse_statistic("PR(10%:)")
	not arith.parse_statistic("p101")
	not arith.parse_statistic("Median")
}

test_math_single_metric_query_is_an_alarm_on_that_metric if {
	a := object.union(base_alarm, {"metric_name": null, "namespace": null, "statistic": null, "metrics": [{
		"id": "m1",
		"return_data": true,
		"metric_stat": {"namespace": "CISBenchmark", "metric_name": "RootAccountUsageCount", "dimensions": [], "period": 300, "stat": "Sum", "unit": "not_set"},
	}]})
	v := arith.alarm_view(a)
	v.statistic == "Sum"
	j := arith.judge(a, v, base_filter, required, ctx)
	j.faults == []
	j.unknowns == []
}

test_math_expression_is_not_computed if {
	a := object.union(base_alarm, {"metric_name": null, "namespace": null, "statistic": null, "metrics": [
		{"id": "m1", "return_data": false, "metric_stat": {"namespace": "CISBenchmark", "metric_name": "RootAccountUsageCount", "dimensions": [], "period": 300, "stat": "Sum", "unit": "not_set"}},
		{"id": "e1", "expression": "m1 * 2", "return_data": true},
	]})
	not arith.alarm_view(a)
	arith.math_expression(a).expressions == ["m1 * 2"]
}
