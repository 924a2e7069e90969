//! Every row of the table in docs/alarm-semantics.md, evaluated through RW-MON-004: the documented
//! semantics are what the rule does. Each row becomes one account of one snapshot (the compliant
//! standalone fixture with that row's alarm and filter), evaluated by the real binary.

mod support;

use std::collections::BTreeMap;

use serde_json::{json, Value};
use support::{root, rootwarden};

/// One row of the table.
#[derive(Debug)]
struct Row {
    number: u32,
    statistic: String,
    condition: String,
    metric_value: String,
    default_value: String,
    period: String,
    datapoints: String,
    missing_data: String,
    also: String,
    fires: String,
}

fn rows() -> Vec<Row> {
    let doc = std::fs::read_to_string(root().join("docs/alarm-semantics.md")).unwrap();
    let mut out = Vec::new();
    let mut in_table = false;
    for line in doc.lines() {
        if line.starts_with("| # | Statistic |") {
            in_table = true;
            continue;
        }
        if !in_table || line.starts_with("|---") {
            continue;
        }
        if !line.starts_with('|') {
            break;
        }
        let cells: Vec<String> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_string())
            .collect();
        assert_eq!(
            cells.len(),
            11,
            "docs/alarm-semantics.md: row {line:?} has not 11 cells"
        );
        out.push(Row {
            number: cells[0].parse().unwrap_or_else(|_| panic!("row number in {line:?}")),
            statistic: cells[1].clone(),
            condition: cells[2].clone(),
            metric_value: cells[3].clone(),
            default_value: cells[4].clone(),
            period: cells[5].clone(),
            datapoints: cells[6].clone(),
            missing_data: cells[7].clone(),
            also: cells[8].clone(),
            fires: cells[9].clone(),
        });
    }
    out
}

const BASE_ACCOUNT: &str = "555566667777";

fn account_id(row: &Row) -> String {
    format!("{}", 100_000_000_000u64 + u64::from(row.number))
}

fn operator(symbol: &str) -> &'static str {
    match symbol {
        ">=" => "GreaterThanOrEqualToThreshold",
        ">" => "GreaterThanThreshold",
        "<" => "LessThanThreshold",
        "<=" => "LessThanOrEqualToThreshold",
        other => panic!("unknown comparison {other:?}"),
    }
}

fn number(text: &str) -> Value {
    let n: f64 = text.parse().unwrap_or_else(|_| panic!("not a number: {text:?}"));
    json!(n)
}

/// The compliant standalone account, as account `id`, with the row's alarm and filter.
fn account_for(base: &Value, row: &Row) -> Value {
    let id = account_id(row);
    let mut acct: Value = serde_json::from_str(&base.to_string().replace(BASE_ACCOUNT, &id)).unwrap();
    let region = &mut acct["regions"]["us-east-1"];
    let filter_group = region["logs"]["metric_filters"][0]["log_group_name"].clone();
    {
        let alarm = &mut region["cloudwatch"]["alarms"][0];
        let plain = ["SampleCount", "Sum", "Average", "Minimum", "Maximum"].contains(&row.statistic.as_str());
        if plain {
            alarm["statistic"] = json!(row.statistic);
        } else {
            alarm.as_object_mut().unwrap().remove("statistic");
            alarm["extended_statistic"] = json!(row.statistic);
        }
        let (op, threshold) = row.condition.split_once(' ').unwrap();
        alarm["comparison_operator"] = json!(operator(op));
        alarm["threshold"] = number(threshold);
        alarm["period"] = json!(row.period.parse::<u32>().unwrap());
        let (m, n) = row.datapoints.split_once(" of ").unwrap();
        alarm["datapoints_to_alarm"] = json!(m.parse::<u32>().unwrap());
        alarm["evaluation_periods"] = json!(n.parse::<u32>().unwrap());
        alarm["treat_missing_data"] = json!(row.missing_data);
    }
    {
        let t = &mut region["logs"]["metric_filters"][0]["metric_transformations"][0];
        t["metric_value"] = json!(row.metric_value);
        t["default_value"] = match row.default_value.as_str() {
            "none" => json!("not_set"),
            "not collected" => Value::Null,
            n => number(n),
        };
    }
    for part in row.also.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        if let Some(unit) = part.strip_prefix("alarm unit ") {
            region["cloudwatch"]["alarms"][0]["unit"] = json!(unit);
        } else if let Some(unit) = part.strip_prefix("second filter unit ") {
            let mut other = region["logs"]["metric_filters"][0].clone();
            other["filter_name"] = json!("BucketCreations");
            other["filter_pattern"] = json!("{ $.eventName = \"CreateBucket\" }");
            other["log_group_name"] = filter_group.clone();
            other["metric_transformations"][0]["unit"] = json!(unit);
            region["logs"]["metric_filters"].as_array_mut().unwrap().push(other);
        } else if let Some(unit) = part.strip_prefix("filter unit ") {
            region["logs"]["metric_filters"][0]["metric_transformations"][0]["unit"] = json!(unit);
        } else if let Some(dim) = part.strip_prefix("filter dimension ") {
            let (k, v) = dim.split_once('=').unwrap();
            region["logs"]["metric_filters"][0]["metric_transformations"][0]["dimensions"][k] = json!(v);
        } else if let Some(dim) = part.strip_prefix("alarm dimension ") {
            let (k, v) = dim.split_once('=').unwrap();
            let v = v.replace("ACCOUNT", &id);
            region["cloudwatch"]["alarms"][0]["dimensions"]
                .as_array_mut()
                .unwrap()
                .push(json!({"name": k, "value": v}));
        } else if part == "low samples ignore" {
            region["cloudwatch"]["alarms"][0]["evaluate_low_sample_count_percentile"] = json!("ignore");
        } else {
            panic!("row {}: unknown setting {part:?}", row.number);
        }
    }
    acct
}

#[test]
fn every_row_of_the_alarm_table_is_what_rw_mon_004_decides() {
    let rows = rows();
    assert!(rows.len() >= 50, "only {} rows parsed", rows.len());
    let mut snapshot: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("fixtures/snapshots/compliant-standalone.json")).unwrap(),
    )
    .unwrap();
    let base = snapshot["accounts"][0].clone();
    snapshot["accounts"] = Value::Array(rows.iter().map(|r| account_for(&base, r)).collect());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alarms.json");
    std::fs::write(&path, snapshot.to_string()).unwrap();
    let out = rootwarden(&[
        "evaluate",
        path.to_str().unwrap(),
        "--only",
        "RW-MON-004",
        "-o",
        "json",
        "--fail-on",
        "none",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut status: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for r in report["results"].as_array().unwrap() {
        let e = status
            .entry(r["account_id"].as_str().unwrap().to_string())
            .or_insert((String::new(), Vec::new()));
        e.0 = r["status"].as_str().unwrap().to_string();
        e.1.push(r["message"].as_str().unwrap_or_default().to_string());
    }
    let mut wrong = Vec::new();
    for row in &rows {
        let want = match row.fires.as_str() {
            "yes" => "pass",
            "no" => "fail",
            "unknown" => "insufficient_data",
            other => panic!("row {}: Fires? must be yes, no or unknown, not {other:?}", row.number),
        };
        let (got, messages) = &status[&account_id(row)];
        if got != want {
            wrong.push(format!(
                "row {}: {row:?}\n  want {want}, got {got}: {messages:?}",
                row.number
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
