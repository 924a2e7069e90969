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
