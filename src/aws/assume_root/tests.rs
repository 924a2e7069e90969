use super::*;

#[test]
fn task_policy_arns_follow_the_partition() {
    assert_eq!(
        TaskPolicy::AuditRootUserCredentials.arn("aws"),
        "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"
    );
    assert_eq!(
        TaskPolicy::DeleteRootUserCredentials.arn("aws-us-gov"),
        "arn:aws-us-gov:iam::aws:policy/root-task/IAMDeleteRootUserCredentials"
    );
    // The audit policy reads only: nothing it allows changes a credential.
    assert!(TaskPolicy::AuditRootUserCredentials
        .actions()
        .iter()
        .all(|a| a.starts_with("iam:Get") || a.starts_with("iam:List")));
}
