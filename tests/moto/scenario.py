#!/usr/bin/env python3
"""Builds an AWS organization in a running launcher.py, for rootwarden's live tests.

    python scenario.py --endpoint http://127.0.0.1:PORT [--members 2] [--fault NAME]...
    python scenario.py --endpoint http://127.0.0.1:PORT --existing --fault NAME...

The compliant organization: a management account and N members; trusted access
for IAM with centralized root credentials management and root sessions; every
root user with hardware MFA and no access key, certificate or recent password
use; a multi-region organization trail in the management account delivering to
a CloudWatch Logs group kept 400 days; the CIS root-usage metric filter on it,
an alarm on that metric notifying an SNS topic with a confirmed e-mail
subscription. Enabled regions are us-east-1 and eu-west-1 everywhere.

Each --fault breaks one link (see FAULTS); with --existing the faults break the organization
built earlier on that server instead of a new one. Prints one JSON line:
{"management": ID, "members": [ID, ...], "faults": [...]}.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from typing import Any, Callable

import boto3
from botocore.config import Config

REGION = "us-east-1"
MANAGEMENT = "123456789012"
LOG_GROUP = "aws-cloudtrail-logs-org"
TOPIC = "root-activity-alerts"
ALARM = "root-account-usage"
CIS_PATTERN = (
    '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS '
    '&& $.eventType != "AwsServiceEvent" }'
)


class World:
    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.members: list[str] = []
        self.topic_arn = ""

    def client(self, service: str, region: str = REGION) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
        )

    def control(self, path: str, body: Any) -> Any:
        req = urllib.request.Request(
            self.endpoint + path,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read() or b"null")


def build(w: World, members: int) -> None:
    w.control("/_rootwarden/regions", {"regions": {
        "us-east-1": "ENABLED_BY_DEFAULT", "eu-west-1": "ENABLED_BY_DEFAULT",
        "af-south-1": "DISABLED"}})
    org = w.client("organizations")
    org.create_organization(FeatureSet="ALL")
    for i in range(members):
        status = org.create_account(Email=f"member{i}@example.com", AccountName=f"member-{i}")
        w.members.append(status["CreateAccountStatus"]["AccountId"])
    org.enable_aws_service_access(ServicePrincipal="iam.amazonaws.com")
    iam = w.client("iam")
    iam.enable_organizations_root_credentials_management()
    iam.enable_organizations_root_sessions()
    for account in [MANAGEMENT, *w.members]:
        w.control("/_rootwarden/root", {"account_id": account, "mfa": "hardware",
                                        "password_last_used": "N/A"})

    w.client("s3").create_bucket(Bucket="org-cloudtrail-logs")
    logs = w.client("logs")
    logs.create_log_group(logGroupName=LOG_GROUP)
    logs.put_retention_policy(logGroupName=LOG_GROUP, retentionInDays=400)
    group_arn = logs.describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"][0]["arn"]
    ct = w.client("cloudtrail")
    ct.create_trail(
        Name="org-trail", S3BucketName="org-cloudtrail-logs", IsMultiRegionTrail=True,
        IsOrganizationTrail=True, IncludeGlobalServiceEvents=True,
        CloudWatchLogsLogGroupArn=group_arn,
        CloudWatchLogsRoleArn=f"arn:aws:iam::{MANAGEMENT}:role/CloudTrailToCloudWatchLogs",
    )
    ct.put_event_selectors(TrailName="org-trail", EventSelectors=[
        {"ReadWriteType": "All", "IncludeManagementEvents": True}])
    ct.start_logging(Name="org-trail")
    logs.put_metric_filter(
        logGroupName=LOG_GROUP, filterName="root-usage", filterPattern=CIS_PATTERN,
        metricTransformations=[{"metricName": "RootAccountUsage",
                                "metricNamespace": "CISBenchmark", "metricValue": "1"}],
    )
    sns = w.client("sns")
    w.topic_arn = sns.create_topic(Name=TOPIC)["TopicArn"]
    sns.subscribe(TopicArn=w.topic_arn, Protocol="email", Endpoint="security@example.com")
    w.control("/_rootwarden/sns/confirm", {"topic_arn": w.topic_arn})
    put_alarm(w, [w.topic_arn])
    # A drill proved the alarm notifies (RW-MON-008): its action ran, and it is back to OK.
    cw = w.client("cloudwatch")
    cw.set_alarm_state(AlarmName=ALARM, StateValue="ALARM", StateReason="rootwarden drill scenario")
    cw.set_alarm_state(AlarmName=ALARM, StateValue="OK", StateReason="drill over")


def recover(w: World) -> None:
    """Reads back the organization an earlier run built, for --existing."""
    accounts = w.client("organizations").list_accounts()["Accounts"]
    w.members = [a["Id"] for a in accounts if a["Id"] != MANAGEMENT]
    w.topic_arn = next(t["TopicArn"] for t in w.client("sns").list_topics()["Topics"]
                       if t["TopicArn"].endswith(":" + TOPIC))


def put_alarm(w: World, actions: list[str]) -> None:
    w.client("cloudwatch").put_metric_alarm(
        AlarmName=ALARM, MetricName="RootAccountUsage", Namespace="CISBenchmark",
        Statistic="Sum", Period=300, EvaluationPeriods=1, Threshold=1.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold", TreatMissingData="notBreaching",
        AlarmActions=actions, ActionsEnabled=True,
    )


def member_root_key(w: World) -> None:
    """Member 0's root user has an active access key used last week."""
    w.control("/_rootwarden/root", {
        "account_id": w.members[0], "mfa": "hardware", "password_last_used": "N/A",
        "access_keys": [{"active": True, "last_rotated": "2019-05-01T00:00:00Z",
                         "last_used_date": "2026-11-16T08:00:00Z",
                         "last_used_region": "us-east-1", "last_used_service": "s3"}]})


def member_no_mfa(w: World) -> None:
    """Member 0's root user has a password and no MFA device."""
    w.control("/_rootwarden/root", {"account_id": w.members[0], "mfa": "none",
                                    "password_last_used": "N/A"})


def _key_after_report(w: World, hours_ago: float) -> None:
    w.control("/_rootwarden/credential_report", {"account_id": w.members[0], "hours_ago": hours_ago})
    w.control("/_rootwarden/root", {
        "account_id": w.members[0], "mfa": "hardware", "password_last_used": "N/A",
        "access_keys": [{"active": True, "last_rotated": "2026-11-19T00:00:00Z"}]})


def key_after_report(w: World) -> None:
    """Member 0's credential report was generated an hour ago (AWS serves it for 4 hours); a root
    access key was created since: only the account summary shows it."""
    _key_after_report(w, 1)


def stale_report(w: World) -> None:
    """Member 0's credential report is 30 hours old (AWS did not regenerate it); a root access key
    was created since."""
    _key_after_report(w, 30)


def member_root_removed(w: World) -> None:
    """Member 1's root credentials were removed centrally: no password, MFA device or key."""
    w.control("/_rootwarden/root", {"account_id": w.members[1], "mfa": "none", "password": False,
                                    "password_last_used": "N/A"})


def root_sessions_disabled(w: World) -> None:
    """Privileged root sessions (RootSessions) are disabled for the organization."""
    w.client("iam").disable_organizations_root_sessions()


def trail_stopped(w: World) -> None:
    """The organization trail is not logging."""
    w.client("cloudtrail").stop_logging(Name="org-trail")


def filter_missing(w: World) -> None:
    """The root-usage metric filter was deleted."""
    w.client("logs").delete_metric_filter(logGroupName=LOG_GROUP, filterName="root-usage")


def alarm_missing(w: World) -> None:
    """The root-activity alarm was deleted."""
    w.client("cloudwatch").delete_alarms(AlarmNames=[ALARM])


def topic_missing(w: World) -> None:
    """The alert topic was deleted, with its subscriptions."""
    sns = w.client("sns")
    for sub in sns.list_subscriptions_by_topic(TopicArn=w.topic_arn)["Subscriptions"]:
        sns.unsubscribe(SubscriptionArn=sub["SubscriptionArn"])
    sns.delete_topic(TopicArn=w.topic_arn)


def alarm_without_action(w: World) -> None:
    """The alarm notifies nobody."""
    put_alarm(w, [])


def subscription_pending(w: World) -> None:
    """The topic's only subscription was never confirmed."""
    sns = w.client("sns")
    for sub in sns.list_subscriptions_by_topic(TopicArn=w.topic_arn)["Subscriptions"]:
        sns.unsubscribe(SubscriptionArn=sub["SubscriptionArn"])
    sns.subscribe(TopicArn=w.topic_arn, Protocol="email", Endpoint="security@example.com")


def filter_default_average(w: World) -> None:
    """The filter publishes a default value 0 (unit Count) and the alarm takes the Average: a
    5-minute period with one root event and other log events averages below 1."""
    w.client("logs").put_metric_filter(
        logGroupName=LOG_GROUP, filterName="root-usage", filterPattern=CIS_PATTERN,
        metricTransformations=[{"metricName": "RootAccountUsage", "metricNamespace": "CISBenchmark",
                                "metricValue": "1", "defaultValue": 0.0, "unit": "Count"}],
    )
    w.client("cloudwatch").put_metric_alarm(
        AlarmName=ALARM, MetricName="RootAccountUsage", Namespace="CISBenchmark",
        Statistic="Average", Period=300, EvaluationPeriods=1, Threshold=1.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold", TreatMissingData="notBreaching",
        AlarmActions=[w.topic_arn], ActionsEnabled=True,
    )


def alarm_dimensions(w: World) -> None:
    """The alarm watches the metric with a dimension the filter does not publish."""
    w.client("cloudwatch").put_metric_alarm(
        AlarmName=ALARM, MetricName="RootAccountUsage", Namespace="CISBenchmark",
        Dimensions=[{"Name": "Account", "Value": MANAGEMENT}],
        Statistic="Sum", Period=300, EvaluationPeriods=1, Threshold=1.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold", TreatMissingData="notBreaching",
        AlarmActions=[w.topic_arn], ActionsEnabled=True,
    )


EVENT_PATTERN = json.dumps({
    "detail-type": ["AWS API Call via CloudTrail", "AWS Console Sign In via CloudTrail"],
    "detail": {"userIdentity": {"type": ["Root"], "invokedBy": [{"exists": False}]}},
})


# A root rule with a typo ("root" for "Root"): it matches no root event, which the rules report.
TYPO_EVENT_PATTERN = json.dumps({
    "detail-type": ["AWS API Call via CloudTrail"],
    "detail": {"userIdentity": {"type": ["root"]}},
})


def eventbridge_rules(w: World, state: str = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
                      allow_events: bool = True, pattern: str = EVENT_PATTERN) -> None:
    """In every enabled region of the management account, a root rule notifying a topic of its
    region with a confirmed subscription (and a policy statement for EventBridge)."""
    for region in ("us-east-1", "eu-west-1"):
        sns = w.client("sns", region)
        arn = sns.create_topic(Name="root-activity-events")["TopicArn"]
        if allow_events:
            policy = json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])
            policy["Statement"].append({
                "Sid": "AWSEvents_root-activity", "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"}, "Action": "sns:Publish", "Resource": arn})
            sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=json.dumps(policy))
        sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="security@example.com")
        w.control("/_rootwarden/sns/confirm", {"topic_arn": arn})
        events = w.client("events", region)
        events.put_rule(Name="root-activity", EventPattern=pattern, State=state)
        events.put_targets(Rule="root-activity", Targets=[{"Id": "notify", "Arn": arn}])


def eventbridge_read_only_missed(w: World) -> None:
    """The management account's root rules are in state ENABLED: read-only root calls never reach them."""
    eventbridge_rules(w, state="ENABLED")


def eventbridge_topic_default_policy(w: World) -> None:
    """The root rules' topics keep SNS's default policy: EventBridge may not publish to them."""
    eventbridge_rules(w, allow_events=False)


def eventbridge_root_typo(w: World) -> None:
    """The management account's root rules spell the identity type "root": they match nothing."""
    eventbridge_rules(w, pattern=TYPO_EVENT_PATTERN)


def logs_denied(w: World) -> None:
    """The management account denies logs:DescribeMetricFilters to the scanner."""
    w.control("/_rootwarden/deny", {"account_id": MANAGEMENT, "action": "logs:DescribeMetricFilters"})


def member_unassumable(w: World) -> None:
    """The scanner's role cannot be assumed in the last member."""
    w.control("/_rootwarden/deny", {
        "action": "sts:AssumeRole",
        "role_arn": f"arn:aws:iam::{w.members[-1]}:role/OrganizationAccountAccessRole"})


def iam_throttled(w: World) -> None:
    """GetAccountSummary is throttled twice in member 0; retries must absorb it."""
    w.control("/_rootwarden/deny", {"account_id": w.members[0], "action": "iam:GetAccountSummary",
                                    "code": "Throttling", "times": 2})


FAULTS: dict[str, Callable[[World], None]] = {
    "member-root-key": member_root_key,
    "member-no-mfa": member_no_mfa,
    "key-after-report": key_after_report,
    "stale-report": stale_report,
    "member-root-removed": member_root_removed,
    "root-sessions-disabled": root_sessions_disabled,
    "trail-stopped": trail_stopped,
    "filter-missing": filter_missing,
    "alarm-missing": alarm_missing,
    "topic-missing": topic_missing,
    "alarm-without-action": alarm_without_action,
    "filter-default-average": filter_default_average,
    "alarm-dimensions": alarm_dimensions,
    "eventbridge-rules": eventbridge_rules,
    "eventbridge-read-only-missed": eventbridge_read_only_missed,
    "eventbridge-topic-default-policy": eventbridge_topic_default_policy,
    "eventbridge-root-typo": eventbridge_root_typo,
    "subscription-pending": subscription_pending,
    "logs-denied": logs_denied,
    "member-unassumable": member_unassumable,
    "iam-throttled": iam_throttled,
}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--endpoint", required=True)
    p.add_argument("--members", type=int, default=2)
    p.add_argument("--fault", action="append", default=[], choices=sorted(FAULTS))
    p.add_argument("--existing", action="store_true",
                   help="break the organization built earlier instead of building one")
    args = p.parse_args()
    w = World(args.endpoint)
    if args.existing:
        recover(w)
    else:
        build(w, args.members)
    for f in args.fault:
        FAULTS[f](w)
    print(json.dumps({"management": MANAGEMENT, "members": w.members, "faults": args.fault}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
