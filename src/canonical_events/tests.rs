use super::*;

#[test]
fn every_file_parses_and_is_named_by_its_id() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cloudtrail");
    let on_disk = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(
        all().len(),
        on_disk,
        "every file in fixtures/cloudtrail is listed in FILES"
    );
    for (e, (name, _)) in all().iter().zip(FILES) {
        assert_eq!(&e.id, name);
        let is_root = e.record["userIdentity"]["type"] == "Root";
        assert_eq!(e.root, is_root, "{name}");
        assert!(e.alert_for.is_empty() || e.root, "{name}: only root events need alerts");
        assert!(
            e.alert_for.is_empty() || e.noise.is_none(),
            "{name}: an alert is not noise"
        );
    }
}

#[test]
fn eventbridge_detail_types() {
    let by_id = |id: &str| all().iter().find(|e| e.id == id).unwrap().eventbridge();
    assert_eq!(
        by_id("root-console-sign-in-failure")["detail-type"],
        "AWS Console Sign In via CloudTrail"
    );
    assert_eq!(by_id("root-console-sign-in-failure")["source"], "aws.signin");
    assert_eq!(
        by_id("root-api-call-access-key")["detail-type"],
        "AWS API Call via CloudTrail"
    );
    assert_eq!(
        by_id("root-aws-service-event")["detail-type"],
        "AWS Service Event via CloudTrail"
    );
    assert_eq!(by_id("root-api-call-access-key")["detail"]["eventName"], "ListBuckets");
}
