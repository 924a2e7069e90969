use super::Arn;

#[test]
fn splits_the_six_parts_and_keeps_colons_in_the_resource() {
    let a = Arn::parse("arn:aws:logs:eu-west-1:123456789012:log-group:trail:*").unwrap();
    assert_eq!(
        (a.partition, a.service, a.region, a.account, a.resource),
        ("aws", "logs", "eu-west-1", "123456789012", "log-group:trail:*")
    );
    assert_eq!(
        Arn::parse("arn:aws-cn:sns:cn-north-1:123456789012:root-alerts")
            .unwrap()
            .name(),
        "root-alerts"
    );
    assert_eq!(Arn::parse("arn:aws:iam::123456789012:role/a/b").unwrap().name(), "b");
}

#[test]
fn refuses_what_is_not_an_arn() {
    assert_eq!(Arn::parse("sns:eu-west-1:1:t:x:y"), None);
    assert_eq!(Arn::parse("arn:aws:sns:eu-west-1"), None);
}
