use super::*;

const HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

#[test]
fn root_row_keeps_aws_markers() {
    let csv = format!(
        "{HEADER}\n<root_account>,arn:aws:iam::111122223333:root,2019-03-01T10:00:00+00:00,not_supported,no_information,not_supported,not_supported,false,true,2017-02-11T09:30:00+00:00,2026-11-17T03:14:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\nalice,arn:aws:iam::111122223333:user/alice,2020-01-01T00:00:00+00:00,true,2026-01-01T00:00:00+00:00,2020-01-01T00:00:00+00:00,N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"
    );
    let root = parse(&csv).unwrap().unwrap();
    assert_eq!(root.password_enabled, Reported::Marker(ReportMarker::NotSupported));
    assert_eq!(root.password_last_used, Reported::Marker(ReportMarker::NoInformation));
    assert!(root.access_key_1.active);
    assert_eq!(root.access_key_1.last_used_service, Reported::Value("s3".into()));
    assert_eq!(
        root.access_key_2.last_rotated,
        Reported::Marker(ReportMarker::NotApplicable)
    );
    assert!(!root.mfa_active);
}

#[test]
fn no_root_row_is_none_and_bad_cells_are_errors() {
    assert_eq!(parse(&format!("{HEADER}\n")).unwrap(), None);
    assert!(parse("user,arn\n<root_account>,x\n")
        .unwrap_err()
        .contains("user_creation_time"));
    let bad = format!("{HEADER}\n<root_account>,arn,yesterday,not_supported,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n");
    assert!(parse(&bad).unwrap_err().contains("user_creation_time"));
}
