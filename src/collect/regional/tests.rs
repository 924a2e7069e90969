use super::*;

#[test]
fn root_rules_are_kept_however_root_is_spelled() {
    for pattern in [
        r#"{"detail":{"userIdentity":{"type":["Root"]}}}"#,
        // A typo the rules report as a broken root rule: the old filter dropped it.
        r#"{"detail-type":["AWS API Call via CloudTrail"],"detail":{"userIdentity":{"type":["root"]}}}"#,
        r#"{"source":["aws.iam"],"detail":{"userIdentity":{"type":[{"equals-ignore-case":"ROOT"}]}}}"#,
    ] {
        assert!(may_concern_root(pattern), "{pattern}");
    }
}

#[test]
fn rules_that_may_deliver_cloudtrail_events_are_kept() {
    for pattern in [
        // Matches root events without naming root (the rules judge what it matches).
        r#"{"detail-type":["AWS Console Sign In via CloudTrail"]}"#,
        r#"{"source":["aws.signin"]}"#,
        r#"{"source":[{"prefix":"aws."}]}"#,
        r#"{"source":["com.example.app","aws.iam"]}"#,
        r#"{"detail-type":[{"wildcard":"*CloudTrail"}]}"#,
        r#"{"detail":{"userIdentity":{"type":[{"anything-but":"IAMUser"}]}}}"#,
        r#"{"$or":[{"source":["aws.iam"]},{"source":["com.example.app"]}]}"#,
        r#"{"source":[]}"#,
        // Not a JSON object: what it delivers is for the rules to say.
        r#"{"source": ["aws.iam""#,
        "[]",
    ] {
        assert!(may_concern_root(pattern), "{pattern}");
    }
}

#[test]
fn rules_that_cannot_deliver_cloudtrail_events_are_left_out() {
    for pattern in [
        r#"{"source":["com.example.orders"]}"#,
        r#"{"source":["aws.ec2"],"detail-type":["EC2 Instance State-change Notification"]}"#,
        r#"{"detail-type":["Scheduled Event"]}"#,
        // Exact values are case-sensitive: this detail type is not CloudTrail's.
        r#"{"detail-type":["AWS API Call via cloudtrail "]}"#,
    ] {
        assert!(!may_concern_root(pattern), "{pattern}");
    }
}

#[test]
fn alarms_related_to_a_published_metric_share_its_name_or_namespace() {
    let logs = Logs {
        log_groups: Vec::new(),
        metric_filters: vec![MetricFilter {
            filter_name: "root".into(),
            log_group_name: "trail".into(),
            filter_pattern: String::new(),
            metric_transformations: vec![MetricTransformation {
                metric_name: "RootAccountUsage".into(),
                metric_namespace: "CISBenchmark".into(),
                metric_value: "1".into(),
                default_value: None,
                unit: None,
                dimensions: None,
            }],
            aws_test: FilterTest::NotRun {},
        }],
    };
    let published = PublishedMetrics::of(&logs);
    assert!(published.related(Some("RootAccountUsage"), Some("CISBenchmark")));
    // Near misses the rules name as evidence.
    assert!(published.related(Some("RootAccountUsage"), Some("LogMetrics")));
    assert!(published.related(Some("RootUsage"), Some("CISBenchmark")));
    assert!(!published.related(Some("CPUUtilization"), Some("AWS/EC2")));
    assert!(!published.related(None, None));
    assert!(PublishedMetrics::of(&Logs {
        log_groups: Vec::new(),
        metric_filters: Vec::new()
    })
    .is_empty());
}
