use super::*;

#[test]
fn endpoint_protocols_follow_the_endpoint_form() {
    assert_eq!(endpoint_protocol("security@example.com"), Some("email"));
    assert_eq!(endpoint_protocol("https://hooks.example.com/root"), Some("https"));
    assert_eq!(
        endpoint_protocol("arn:aws:sqs:us-east-1:123456789012:alerts"),
        Some("sqs")
    );
    assert_eq!(
        endpoint_protocol("arn:aws:lambda:us-east-1:123456789012:function:page"),
        Some("lambda")
    );
    assert_eq!(endpoint_protocol("+14155550100"), Some("sms"));
    assert_eq!(endpoint_protocol("security"), None);
    assert_eq!(endpoint_protocol("a b@example.com"), None);
    assert_eq!(endpoint_protocol("arn:aws:s3:::bucket"), None);
}

mod planning {
    use super::super::plan::{plan, PlanOptions};
    use super::super::{Action, Plan};
    use crate::policy::{loader, Policy};
    use crate::requirements::Requirements;
    use crate::snapshot::{Reported, Snapshot};

    fn fixture(name: &str) -> Snapshot {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/snapshots")
            .join(name);
        crate::input::load_snapshot(&path).unwrap()
    }

    fn plan_for(snapshot: &Snapshot, requirements: &Requirements, opts: &PlanOptions) -> Plan {
        let mut policy = Policy::load(&loader::bundled(), requirements).unwrap();
        let eval = policy.evaluate(snapshot).unwrap();
        plan(snapshot, requirements, &eval, opts).unwrap()
    }

    /// The compliant organization with an active root key in member 222222222222 (slot 1) and
    /// an active certificate and a second key in member 333333333333.
    fn org_with_member_keys() -> Snapshot {
        let mut s = fixture("compliant-org.json");
        let ts = chrono::DateTime::parse_from_rfc3339("2020-01-01T00:00:00Z")
            .unwrap()
            .to_utc();
        for a in &mut s.accounts {
            let root = a.iam.credential_report.as_mut().unwrap().root.as_mut().unwrap();
            match a.account_id.as_str() {
                "222222222222" => {
                    root.access_key_1.active = true;
                    root.access_key_1.last_rotated = Reported::Value(ts);
                    root.access_key_1.key_id_last4 = Some("WXYZ".into());
                }
                "333333333333" => {
                    root.access_key_2.active = true;
                    root.access_key_2.last_rotated = Reported::Value(ts);
                    root.cert_1.active = true;
                    root.cert_1.last_rotated = Reported::Value(ts);
                }
                _ => {}
            }
        }
        s
    }

    #[test]
    fn a_compliant_organization_needs_nothing() {
        let p = plan_for(
            &fixture("compliant-org.json"),
            &Requirements::default(),
            &PlanOptions::default(),
        );
        assert!(p.steps.is_empty());
        assert!(p
            .accounts
            .iter()
            .all(|a| a.manual.is_empty() && a.open_controls.is_empty()));
        assert_eq!(p.accounts.len(), 3);
    }

    #[test]
    fn member_root_credentials_go_through_a_root_session_and_retained_keys_are_kept() {
        let s = org_with_member_keys();
        let requirements: Requirements = serde_norway::from_str(
            "retained_root_keys:\n  - account_id: \"333333333333\"\n    key_last4: \"QQQQ\"\n    slot: 2\n    justification: legacy billing export\n    decommission_date: 2027-06-30\n",
        )
        .unwrap();
        let p = plan_for(&s, &requirements, &PlanOptions::default());
        assert_eq!(p.steps.len(), 2, "{p:#?}");
        let first = &p.steps[0];
        assert_eq!(first.account_id, "222222222222");
        assert_eq!(first.fixes, ["RW-ROOT-001"]);
        assert_eq!(
            first.action,
            Action::RemoveRootCredentials {
                delete_key_slots: vec![1],
                keep_key_last4: vec![],
                keep_key_slots: vec![],
                delete_certificate_slots: vec![],
            }
        );
        let second = &p.steps[1];
        assert_eq!(second.account_id, "333333333333");
        assert_eq!(second.fixes, ["RW-ROOT-001", "RW-ROOT-002"]);
        assert_eq!(
            second.action,
            Action::RemoveRootCredentials {
                delete_key_slots: vec![],
                keep_key_last4: vec![],
                keep_key_slots: vec![2],
                delete_certificate_slots: vec![1],
            }
        );
        let acct = p.accounts.iter().find(|a| a.account_id == "333333333333").unwrap();
        assert_eq!(acct.retained.len(), 1);
        assert_eq!(acct.retained[0].justification, "legacy billing export");
        assert_eq!(acct.steps, std::slice::from_ref(&second.id));
        let initial: Vec<(String, u8, bool)> = acct
            .root_credentials
            .iter()
            .map(|c| (c.kind.clone(), c.slot, c.active))
            .collect();
        assert_eq!(
            initial,
            [
                ("access_key".to_string(), 2, true),
                ("signing_certificate".to_string(), 1, true)
            ]
        );
    }

    #[test]
    fn without_centralized_root_access_root_credentials_are_manual_steps() {
        let mut s = org_with_member_keys();
        s.organization
            .as_mut()
            .unwrap()
            .root_access
            .as_mut()
            .unwrap()
            .root_credentials_management = false;
        let p = plan_for(&s, &Requirements::default(), &PlanOptions::default());
        assert!(p.steps.is_empty(), "{p:#?}");
        let acct = p.accounts.iter().find(|a| a.account_id == "222222222222").unwrap();
        let step = acct.manual.iter().find(|m| m.rule_id == "RW-ROOT-001").unwrap();
        assert!(step.text.contains("centralized root access"), "{}", step.text);
        assert!(step.text.contains("slot(s) 1"), "{}", step.text);
    }

    #[test]
    fn an_expired_retention_deletes_the_key() {
        let s = org_with_member_keys();
        let requirements: Requirements = serde_norway::from_str(
            "retained_root_keys:\n  - account_id: \"333333333333\"\n    key_last4: \"QQQQ\"\n    slot: 2\n    justification: old\n    decommission_date: 2020-01-01\n",
        )
        .unwrap();
        let p = plan_for(&s, &requirements, &PlanOptions::default());
        let second = p.steps.iter().find(|st| st.account_id == "333333333333").unwrap();
        assert!(
            matches!(&second.action, Action::RemoveRootCredentials { delete_key_slots, keep_key_slots, .. } if delete_key_slots == &vec![2] && keep_key_slots.is_empty())
        );
    }

    #[test]
    fn a_filter_on_the_wrong_log_group_gets_one_on_the_right_one_feeding_the_existing_alarm() {
        let p = plan_for(
            &fixture("fault-filter-other-log-group.json"),
            &Requirements::default(),
            &PlanOptions::default(),
        );
        assert_eq!(p.steps.len(), 1, "{p:#?}");
        let Action::PutMetricFilter {
            log_group_name,
            pattern,
            namespace,
            metric_name,
            ..
        } = &p.steps[0].action
        else {
            panic!("{:?}", p.steps[0].action)
        };
        assert_eq!(log_group_name, "aws-cloudtrail-logs");
        assert_eq!(pattern, super::super::CIS_ROOT_PATTERN);
        // The existing alarm's metric, so no second alarm is needed.
        assert_eq!(
            (namespace.as_str(), metric_name.as_str()),
            ("CISBenchmark", "RootAccountUsageCount")
        );
        assert_eq!(p.steps[0].fixes, ["RW-MON-003", "RW-MON-004", "RW-MON-005"]);
    }

    #[test]
    fn a_pending_subscription_is_waited_for_not_repeated() {
        let opts = PlanOptions {
            notify: vec!["security@example.com".into()],
            ..Default::default()
        };
        let p = plan_for(
            &fixture("fault-topic-pending-only.json"),
            &Requirements::default(),
            &opts,
        );
        assert!(p.steps.is_empty(), "{p:#?}");
        assert!(p.accounts[0]
            .manual
            .iter()
            .any(|m| m.rule_id == "RW-MON-005" && m.text.contains("has not confirmed")));
    }

    #[test]
    fn a_deleted_topic_is_recreated_under_its_name_before_it_is_subscribed_to() {
        let opts = PlanOptions {
            notify: vec!["security@example.com".into()],
            ..Default::default()
        };
        let p = plan_for(&fixture("fault-topic-deleted.json"), &Requirements::default(), &opts);
        let topic = "arn:aws:sns:us-east-1:555566667777:root-activity-alerts";
        let actions: Vec<&Action> = p.steps.iter().map(|s| &s.action).collect();
        assert_eq!(
            actions,
            [
                &Action::CreateTopic {
                    name: "root-activity-alerts".into(),
                    topic_arn: topic.into(),
                },
                &Action::Subscribe {
                    topic_arn: topic.into(),
                    protocol: "email".into(),
                    endpoint: "security@example.com".into(),
                },
            ],
            "{p:#?}"
        );
        assert_eq!(p.steps[0].fixes, ["RW-MON-005"]);
        assert!(p.steps[0].summary.contains("it was deleted"), "{}", p.steps[0].summary);
    }

    #[test]
    fn a_topic_the_snapshot_did_not_collect_gets_no_call() {
        // The alarm's topic is in neither list: not known to exist nor to be gone. RW-MON-005 is
        // insufficient data, and nothing is planned on the topic.
        let mut s = fixture("fault-topic-deleted.json");
        for r in s.accounts[0].regions.values_mut() {
            if let Some(sns) = r.sns.as_mut() {
                sns.absent_topics.clear();
            }
        }
        let opts = PlanOptions {
            notify: vec!["security@example.com".into()],
            ..Default::default()
        };
        let p = plan_for(&s, &Requirements::default(), &opts);
        assert!(p.steps.is_empty(), "{p:#?}");
        assert!(p.accounts[0]
            .open_controls
            .contains(&"RW-MON-005 insufficient_data".to_string()));
    }

    #[test]
    fn endpoints_outside_the_accepted_list_are_not_subscribed() {
        let requirements: Requirements =
            serde_norway::from_str("alerting:\n  accepted_endpoints: [\"*@corp.example\"]\n").unwrap();
        let opts = PlanOptions {
            notify: vec!["someone@gmail.example".into(), "soc@corp.example".into()],
            ..Default::default()
        };
        let p = plan_for(&fixture("neglected-account.json"), &requirements, &opts);
        // No trail at all: nothing to hang a chain on, so the plan says so instead.
        assert!(p.steps.is_empty());
        assert!(p.accounts[0]
            .manual
            .iter()
            .any(|m| m.rule_id == "RW-MON-003" && m.text.contains("RW-MON-001")));
        let p = plan_for(&fixture("fault-filter-unparsable.json"), &requirements, &opts);
        let subs: Vec<&Action> = p
            .steps
            .iter()
            .map(|s| &s.action)
            .filter(|a| matches!(a, Action::Subscribe { .. }))
            .collect();
        assert!(
            p.accounts[0]
                .manual
                .iter()
                .any(|m| m.text.contains("someone@gmail.example is not one of")),
            "{p:#?}"
        );
        // The fixture's topic already reaches an accepted endpoint, or gets soc@ only.
        assert!(subs
            .iter()
            .all(|a| matches!(a, Action::Subscribe { endpoint, .. } if endpoint == "soc@corp.example")));
    }

    #[test]
    fn bad_notify_endpoints_are_refused() {
        let opts = PlanOptions {
            notify: vec!["not-an-endpoint".into()],
            ..Default::default()
        };
        let s = fixture("compliant-standalone.json");
        let mut policy = Policy::load(&loader::bundled(), &Requirements::default()).unwrap();
        let eval = policy.evaluate(&s).unwrap();
        let err = plan(&s, &Requirements::default(), &eval, &opts)
            .unwrap_err()
            .to_string();
        assert!(err.contains("--notify \"not-an-endpoint\""), "{err}");
    }
}

mod iac {
    use super::super::export::{render, ExportTarget, IacFormat};

    fn target() -> ExportTarget {
        ExportTarget {
            log_group_name: "aws-cloudtrail-logs-${org}".into(),
            location: Some(("111111111111".into(), "us-east-1".into())),
            endpoints: vec!["security@example.com".into(), "https://hooks.example.com/x".into()],
        }
    }

    #[test]
    fn terraform_keeps_dollar_braces_literal_and_quotes_the_pattern() {
        let tf = render(IacFormat::Terraform, &target());
        assert!(tf.contains(r#"default     = "aws-cloudtrail-logs-$${org}""#), "{tf}");
        assert!(
            tf.contains(r#"pattern        = "{ $.userIdentity.type = \"Root\""#),
            "{tf}"
        );
        assert!(
            tf.contains(r#"{ protocol = "https", endpoint = "https://hooks.example.com/x" }"#),
            "{tf}"
        );
    }

    #[test]
    fn cloudformation_has_one_subscription_per_endpoint() {
        let cfn = render(IacFormat::CloudFormation, &target());
        assert!(cfn.contains("RootActivitySubscription1:"));
        assert!(cfn.contains("RootActivitySubscription2:"));
        assert!(!cfn.contains("RootActivitySubscription3:"));
        assert!(cfn.contains("Protocol: https"));
        assert!(
            cfn.contains(r#"FilterPattern: "{ $.userIdentity.type = \"Root\""#),
            "{cfn}"
        );
    }
}

#[test]
fn every_change_apply_makes_is_in_the_remediation_policy() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/iam-remediate-policy.json");
    let policy: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut allowed = Vec::new();
    for st in policy["Statement"].as_array().unwrap() {
        match &st["Action"] {
            serde_json::Value::String(a) => allowed.push(a.clone()),
            serde_json::Value::Array(a) => allowed.extend(a.iter().map(|x| x.as_str().unwrap().to_string())),
            other => panic!("{other}"),
        }
    }
    let actions = [
        Action::PutMetricFilter {
            log_group_name: String::new(),
            filter_name: String::new(),
            pattern: String::new(),
            namespace: String::new(),
            metric_name: String::new(),
        },
        Action::CreateTopic {
            name: String::new(),
            topic_arn: String::new(),
        },
        Action::Subscribe {
            topic_arn: String::new(),
            protocol: String::new(),
            endpoint: String::new(),
        },
        Action::PutMetricAlarm {
            alarm_name: String::new(),
            namespace: String::new(),
            metric_name: String::new(),
            topic_arn: String::new(),
        },
        Action::RemoveRootCredentials {
            delete_key_slots: vec![],
            keep_key_last4: vec![],
            keep_key_slots: vec![],
            delete_certificate_slots: vec![],
        },
    ];
    for a in &actions {
        // The caller's own calls; IAM calls run inside the root session under the task policy.
        let first = a.api_calls().split(", ").next().unwrap();
        assert!(
            allowed.iter().any(|x| x == first),
            "{first} is not in docs/iam-remediate-policy.json"
        );
    }
    // And the policy allows nothing apply does not do.
    assert_eq!(allowed.len(), actions.len());
    assert!(policy.to_string().contains(DELETE_ROOT_CREDENTIALS_POLICY));
}

mod summaries {
    use super::super::render::ApplyReport;
    use super::super::{apply::Applied, AccountPlan, Plan};
    use crate::policy::{loader, Policy};
    use crate::requirements::Requirements;
    use crate::snapshot::Snapshot;

    fn no_active_key_after(after: &Snapshot) -> Option<bool> {
        let mut policy = Policy::load(&loader::bundled(), &Requirements::default()).unwrap();
        let eval = policy.evaluate(after).unwrap();
        let account = &after.accounts[0].account_id;
        let plan = Plan {
            collected_at: String::new(),
            accounts: vec![AccountPlan {
                account_id: account.clone(),
                role: "standalone".into(),
                root_credentials: vec![],
                steps: vec![],
                manual: vec![],
                retained: vec![],
                open_controls: vec![],
            }],
            steps: vec![],
        };
        ApplyReport::new(plan, Applied::default(), &eval, &eval).accounts[0].no_active_root_key
    }

    fn fixture(name: &str) -> Snapshot {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/snapshots")
            .join(name);
        crate::input::load_snapshot(&path).unwrap()
    }

    #[test]
    fn an_active_key_in_the_report_is_a_remaining_key() {
        assert_eq!(no_active_key_after(&fixture("neglected-account.json")), Some(false));
        assert_eq!(no_active_key_after(&fixture("compliant-standalone.json")), Some(true));
    }

    #[test]
    fn a_key_the_summary_reports_but_the_stale_report_lacks_is_unknown_not_none() {
        let mut s = fixture("compliant-standalone.json");
        s.accounts[0]
            .iam
            .account_summary
            .as_mut()
            .unwrap()
            .account_access_keys_present = true;
        assert_eq!(no_active_key_after(&s), None);
    }
}
