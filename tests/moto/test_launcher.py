#!/usr/bin/env python3
"""End-to-end check of launcher.py with boto3.

    python test_launcher.py            # exits non-zero on any failed check

Starts launcher.py as a subprocess (exactly as the Rust tests do: stdin piped,
first stdout line `READY http://127.0.0.1:PORT`), drives it with boto3 through
an organization with two member accounts, and checks every addition the
launcher makes. It also starts `launcher.py --plain` (bare moto) and records
how moto itself differs from AWS, printed as `MOTO:` lines at the end.
The last line is `N passed, N failed`.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
from typing import Any, Callable

import boto3
import botocore.session
import cbor2
from botocore.config import Config
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
LAUNCHER = os.path.join(HERE, "launcher.py")
MGMT = "123456789012"  # moto's default account: what `testing` credentials map to
REGION = "us-east-1"

AWS_COLUMNS = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated"
).split(",")

PASSED = 0
FAILED = 0
MOTO_NOTES: list[str] = []


def check(name: str, cond: Any, detail: Any = "") -> bool:
    global PASSED, FAILED
    if cond:
        PASSED += 1
        print(f"ok   {name}")
    else:
        FAILED += 1
        print(f"FAIL {name} {detail!s:.800}")
    return bool(cond)


def _dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


def note(text: str) -> None:
    MOTO_NOTES.append(text)


def section(fn: Callable[..., None]) -> Callable[..., None]:
    def run(*args: Any, **kwargs: Any) -> None:
        global FAILED
        print(f"--- {fn.__name__}")
        try:
            fn(*args, **kwargs)
        except Exception:  # a crash fails the section, the rest still runs
            FAILED += 1
            print(f"FAIL {fn.__name__} raised:\n{traceback.format_exc()}")

    return run


def error_of(fn: Callable[[], Any]) -> tuple[str | None, int | None, dict[str, Any]]:
    """Run fn; return (error code, HTTP status, error dict) or (None, None, {}) on success."""
    try:
        fn()
    except ClientError as exc:
        err = exc.response.get("Error", {})
        return err.get("Code"), exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode"), err
    return None, None, {}


def probe(client: Any, fn: Callable[[], Any]) -> tuple[str, int]:
    """Like error_of, but survives bodies the SDK cannot parse (bare moto's HTML
    pages). Returns (error code, or 'ok', or 'unparsable <content-type>'; HTTP status)."""
    seen: dict[str, Any] = {}

    def hook(response_dict: Any, **_: Any) -> None:
        seen["status"] = response_dict["status_code"]
        seen["ctype"] = {k.lower(): v for k, v in response_dict["headers"].items()}.get("content-type")

    client.meta.events.register("before-parse.*.*", hook)
    try:
        fn()
        return "ok", seen.get("status", 200)
    except ClientError as exc:
        return exc.response["Error"].get("Code", "?"), exc.response["ResponseMetadata"]["HTTPStatusCode"]
    except Exception:
        return f"unparsable {seen.get('ctype')}", seen.get("status", 0)
    finally:
        client.meta.events.unregister("before-parse.*.*", hook)


# --------------------------------------------------------------------------
# launcher process
# --------------------------------------------------------------------------


class Launcher:
    def __init__(self, *extra: str):
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, LAUNCHER, "--port", "0", *extra],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
        )
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        line = self.proc.stdout.readline().decode() if ready else ""
        if not line.startswith("READY http://127.0.0.1:"):
            self.proc.kill()
            self.stderr.seek(0)
            raise RuntimeError(f"launcher did not start: {line!r}\n{self.stderr.read().decode()[-3000:]}")
        self.ready_line = line
        self.url = line.split()[1]

    def stderr_tail(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")[-3000:]

    # control API
    def control(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")

    def client(self, service: str, creds: dict[str, str] | None = None, region: str = REGION) -> Any:
        kwargs: dict[str, Any] = dict(
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            # one attempt: injected faults surface at once and call counts are exact
            config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
        )
        if creds:
            kwargs.update(
                aws_access_key_id=creds["AccessKeyId"],
                aws_secret_access_key=creds["SecretAccessKey"],
                aws_session_token=creds["SessionToken"],
            )
        if service == "cloudwatch":
            return cbor_session().client(service, **kwargs)
        return boto3.client(service, **kwargs)


_CBOR_SESSION: list[boto3.Session] = []


def cbor_session() -> boto3.Session:
    """A boto3 session whose cloudwatch model lists only smithy-rpc-v2-cbor.

    botocore 1.4x knows rpc-v2-cbor, but for cloudwatch (protocols
    [smithy-rpc-v2-cbor, json, query]) it prefers json, so a stock client would
    never exercise the translation. This makes botocore speak CBOR, as the Rust
    SDK does.
    """
    if _CBOR_SESSION:
        return _CBOR_SESSION[0]
    loader = botocore.session.get_session().get_component("data_loader")
    model = json.loads(json.dumps(loader.load_service_model("cloudwatch", "service-2")))
    model["metadata"]["protocols"] = ["smithy-rpc-v2-cbor"]
    model["metadata"]["protocol"] = "smithy-rpc-v2-cbor"
    root = tempfile.mkdtemp(prefix="rootwarden-cw-cbor-")
    folder = os.path.join(root, "cloudwatch", model["metadata"]["apiVersion"])
    os.makedirs(folder)
    with open(os.path.join(folder, "service-2.json"), "w") as fh:
        json.dump(model, fh)
    bs = botocore.session.get_session()
    bs.get_component("data_loader").search_paths.insert(0, root)
    _CBOR_SESSION.append(boto3.Session(botocore_session=bs))
    return _CBOR_SESSION[0]


class Wire:
    """Records the last CloudWatch request headers and raw response body."""

    def __init__(self, client: Any):
        self.request: Any = None
        self.raw: bytes = b""
        self.status = 0
        self.headers: dict[str, str] = {}
        client.meta.events.register("before-send.cloudwatch.*", self._req)
        client.meta.events.register("before-parse.cloudwatch.*", self._resp)

    def _req(self, request: Any, **_: Any) -> None:
        self.request = request

    def _resp(self, response_dict: Any, **_: Any) -> None:
        self.raw = response_dict["body"]
        self.status = response_dict["status_code"]
        self.headers = {k.lower(): v for k, v in response_dict["headers"].items()}


# --------------------------------------------------------------------------
# the scenario
# --------------------------------------------------------------------------


class World:
    def __init__(self, launcher: Launcher):
        self.l = launcher
        self.m1 = ""
        self.m2 = ""
        self.m1_creds: dict[str, str] = {}
        self.topic = ""


@section
def protocol_selection(w: World) -> None:
    stock = boto3.client("cloudwatch", region_name=REGION, endpoint_url=w.l.url,
                         aws_access_key_id="testing", aws_secret_access_key="testing")
    check("botocore models cloudwatch as smithy-rpc-v2-cbor", stock.meta.service_model.protocol == "smithy-rpc-v2-cbor",
          stock.meta.service_model.protocol)
    wire = Wire(stock)
    stock.describe_alarms()
    sent = wire.request.headers.get("Content-Type")
    note(f"botocore {botocore.__version__}: stock cloudwatch client reports protocol "
         f"{stock.meta.service_model.protocol!r} but resolves {stock.meta.service_model.resolved_protocol!r} "
         f"(sends Content-Type {sent!r}); test forces CBOR with a model override")
    cw = w.l.client("cloudwatch")
    wire = Wire(cw)
    cw.describe_alarms()
    check("forced client sends rpc-v2-cbor", wire.request.headers.get("smithy-protocol") == b"rpc-v2-cbor"
          and wire.request.url.endswith("/service/GraniteServiceVersion20100801/operation/DescribeAlarms"),
          (wire.request.url, dict(wire.request.headers)))
    check("CBOR response headers", wire.headers.get("smithy-protocol") == "rpc-v2-cbor"
          and wire.headers.get("content-type") == "application/cbor", wire.headers)


@section
def organization(w: World) -> None:
    org = w.l.client("organizations")
    org.create_organization(FeatureSet="ALL")
    ids = []
    for name in ("member-one", "member-two"):
        status = org.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]
        ids.append(status["AccountId"])
        check(f"create_account {name} SUCCEEDED", status["State"] == "SUCCEEDED", status)
    w.m1, w.m2 = ids
    accounts = {a["Id"] for a in org.list_accounts()["Accounts"]}
    check("list_accounts has mgmt + 2 members", accounts == {MGMT, w.m1, w.m2}, accounts)

    sts = w.l.client("sts")
    role = f"arn:aws:iam::{w.m1}:role/OrganizationAccountAccessRole"
    creds = sts.assume_role(RoleArn=role, RoleSessionName="rootwarden")["Credentials"]
    w.m1_creds = creds
    ident = w.l.client("sts", creds).get_caller_identity()
    check("assumed-role credentials belong to member-one", ident["Account"] == w.m1, ident)
    desc = w.l.client("organizations", creds).describe_organization()["Organization"]
    check("member sees the organization", desc["MasterAccountId"] == MGMT, desc)


def _csv(report: dict[str, Any]) -> list[list[str]]:
    return list(csv.reader(io.StringIO(report["Content"].decode())))


@section
def root_user(w: World) -> None:
    l = w.l
    status, body = l.control("POST", "/_rootwarden/root", {
        "account_id": w.m1,
        "mfa": "virtual",
        "password_last_used": "2026-11-10T16:20:00+00:00",
        "access_keys": [{"active": True, "last_rotated": "2025-01-02T03:04:05Z",
                         "last_used_date": "2026-11-01T10:00:00+00:00",
                         "last_used_region": "us-east-1", "last_used_service": "s3"}],
        "certs": [{"active": True, "last_rotated": "2024-06-01T00:00:00+00:00"}],
    })
    check("POST /_rootwarden/root", status == 200 and body["ok"], body)
    status, _ = l.control("POST", "/_rootwarden/root", {"account_id": MGMT, "mfa": "hardware",
                                                         "password_last_used": "no_information",
                                                         "access_keys": [{"active": False, "last_rotated": "2023-03-03T00:00:00+00:00"},
                                                                         {"active": True, "last_rotated": "2024-04-04T00:00:00+00:00"}]})
    check("POST root for mgmt", status == 200)
    status, body = l.control("POST", "/_rootwarden/root", {"account_id": w.m2, "mfa": "sms"})
    check("bad mfa value -> 400", status == 400 and "mfa" in body["error"], body)
    status, body = l.control("POST", "/_rootwarden/root", {"account_id": w.m2, "access_keys": [{}, {}, {}]})
    check("3 access keys -> 400", status == 400, body)

    iam = l.client("iam", w.m1_creds)
    iam.create_user(UserName="alice")
    first = iam.generate_credential_report()
    second = iam.generate_credential_report()
    check("GenerateCredentialReport: STARTED then COMPLETE",
          first["State"] == "STARTED" and second["State"] == "COMPLETE", (first, second))
    report = iam.get_credential_report()
    rows = _csv(report)
    check("credential report header is AWS's column order", rows[0] == AWS_COLUMNS, rows[0])
    expected = [
        "<root_account>", f"arn:aws:iam::{w.m1}:root", "2020-01-01T00:00:00+00:00",
        "not_supported", "2026-11-10T16:20:00+00:00", "not_supported", "not_supported", "true",
        "true", "2025-01-02T03:04:05+00:00", "2026-11-01T10:00:00+00:00", "us-east-1", "s3",
        "false", "N/A", "N/A", "N/A", "N/A",
        "true", "2024-06-01T00:00:00+00:00", "false", "N/A",
    ]
    check("root row is first and exact", rows[1] == expected, rows[1])
    check("IAM users follow the root row", len(rows) == 3 and rows[2][0] == "alice", rows)
    gen = report["GeneratedTime"]
    check("GeneratedTime is the generation time, not a constant",
          abs((dt.datetime.now(dt.timezone.utc) - gen).total_seconds()) < 600, gen)

    summary = iam.get_account_summary()["SummaryMap"]
    check("summary: AccountMFAEnabled/AccessKeys/SigningCerts = 1/1/1",
          (summary["AccountMFAEnabled"], summary["AccountAccessKeysPresent"],
           summary["AccountSigningCertificatesPresent"]) == (1, 1, 1), summary)

    for status_filter in ("Assigned", "Any"):
        devices = iam.list_virtual_mfa_devices(AssignmentStatus=status_filter)["VirtualMFADevices"]
        root_dev = [d for d in devices if d["SerialNumber"] == f"arn:aws:iam::{w.m1}:mfa/root-account-mfa-device"]
        check(f"ListVirtualMFADevices({status_filter}) has the root device with User.Arn :root",
              len(root_dev) == 1 and root_dev[0]["User"]["Arn"] == f"arn:aws:iam::{w.m1}:root"
              and "EnableDate" in root_dev[0], devices)
    devices = iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"]
    check("ListVirtualMFADevices(Unassigned) has no root device", not devices, devices)

    # management account: hardware MFA, key 1 inactive, key 2 active
    miam = l.client("iam")
    miam.generate_credential_report()
    rows = _csv(miam.get_credential_report())
    root = dict(zip(AWS_COLUMNS, rows[1]))
    check("mgmt root row: mfa_active true, key1 inactive, key2 active, never used",
          root["user"] == "<root_account>" and root["mfa_active"] == "true"
          and root["access_key_1_active"] == "false" and root["access_key_2_active"] == "true"
          and root["access_key_2_last_used_date"] == "N/A" and root["password_last_used"] == "no_information", root)
    summary = miam.get_account_summary()["SummaryMap"]
    check("mgmt summary 1/1/0", (summary["AccountMFAEnabled"], summary["AccountAccessKeysPresent"],
                                 summary["AccountSigningCertificatesPresent"]) == (1, 1, 0), summary)
    devices = miam.list_virtual_mfa_devices()["VirtualMFADevices"]
    check("hardware MFA: no root virtual device", not devices, devices)

    # member-two has no simulated root
    creds2 = l.client("sts").assume_role(RoleArn=f"arn:aws:iam::{w.m2}:role/OrganizationAccountAccessRole",
                                         RoleSessionName="rootwarden")["Credentials"]
    iam2 = l.client("iam", creds2)
    code, status, _ = error_of(iam2.get_credential_report)
    check("GetCredentialReport before Generate -> ReportNotPresent 410", (code, status) == ("ReportNotPresent", 410), (code, status))
    iam2.generate_credential_report()
    rows = _csv(iam2.get_credential_report())
    check("no root row without /_rootwarden/root", rows == [AWS_COLUMNS], rows)
    summary = iam2.get_account_summary()["SummaryMap"]
    check("no root: summary 0/0/0", (summary["AccountMFAEnabled"], summary["AccountAccessKeysPresent"],
                                     summary["AccountSigningCertificatesPresent"]) == (0, 0, 0), summary)


@section
def credential_report_generation(w: World) -> None:
    """AWS regenerates the report at most every 4 hours and serves the last generation's content."""
    l = w.l
    creds2 = l.client("sts").assume_role(RoleArn=f"arn:aws:iam::{w.m2}:role/OrganizationAccountAccessRole",
                                         RoleSessionName="rootwarden")["Credentials"]
    iam = l.client("iam", creds2)
    l.control("POST", "/_rootwarden/root", {"account_id": w.m2, "mfa": "hardware"})
    status, _ = l.control("DELETE", f"/_rootwarden/credential_report?account_id={w.m2}")
    check("DELETE /_rootwarden/credential_report forgets the last report", status == 200)
    iam.generate_credential_report()
    first = iam.get_credential_report()
    root = dict(zip(AWS_COLUMNS, _csv(first)[1]))
    check("fresh report: no root key", root["access_key_1_active"] == "false", root)
    l.control("POST", "/_rootwarden/root", {"account_id": w.m2, "mfa": "hardware",
                                            "access_keys": [{"active": True, "last_rotated": "2026-11-01T00:00:00Z"}]})
    check("GenerateCredentialReport within 4 hours: COMPLETE, nothing regenerated",
          iam.generate_credential_report()["State"] == "COMPLETE")
    again = iam.get_credential_report()
    root = dict(zip(AWS_COLUMNS, _csv(again)[1]))
    check("a key created after generation is not in the report (content frozen at generation)",
          root["access_key_1_active"] == "false" and again["GeneratedTime"] == first["GeneratedTime"], root)
    summary = iam.get_account_summary()["SummaryMap"]
    check("... while the account summary, which is current, shows it", summary["AccountAccessKeysPresent"] == 1, summary)

    status, body = l.control("POST", "/_rootwarden/credential_report", {"account_id": w.m2, "hours_ago": 30})
    check("POST /_rootwarden/credential_report holds a report", status == 200 and body["ok"], body)
    iam.generate_credential_report()
    held = iam.get_credential_report()
    age = dt.datetime.now(dt.timezone.utc) - held["GeneratedTime"]
    check("a held report keeps its age through GenerateCredentialReport",
          dt.timedelta(hours=29) < age < dt.timedelta(hours=31), age)
    root = dict(zip(AWS_COLUMNS, _csv(held)[1]))
    check("a held report is generated from the state when it was held", root["access_key_1_active"] == "true", root)
    status, body = l.control("POST", "/_rootwarden/credential_report", {"account_id": w.m2, "hours_ago": -1})
    check("negative hours_ago -> 400", status == 400, body)
    l.control("DELETE", f"/_rootwarden/root?account_id={w.m2}")
    l.control("DELETE", f"/_rootwarden/credential_report?account_id={w.m2}")


@section
def cloudtrail_and_logs(w: World) -> None:
    l, m1 = w.l, w.m1
    l.client("s3", w.m1_creds).create_bucket(Bucket=f"trail-{m1}")
    logs = l.client("logs", w.m1_creds)
    logs.create_log_group(logGroupName="cloudtrail/root")
    group_arn = logs.describe_log_groups(logGroupNamePrefix="cloudtrail/root")["logGroups"][0]["arn"]
    ct = l.client("cloudtrail", w.m1_creds)
    trail = ct.create_trail(Name="member-trail", S3BucketName=f"trail-{m1}", IsMultiRegionTrail=True,
                            CloudWatchLogsLogGroupArn=group_arn,
                            CloudWatchLogsRoleArn=f"arn:aws:iam::{m1}:role/CloudTrailToLogs")
    ct.start_logging(Name="member-trail")
    arn = trail["TrailARN"]
    home = ct.describe_trails(includeShadowTrails=True)["trailList"]
    check("describe_trails in home region", [t["TrailARN"] for t in home] == [arn], home)
    ct_eu = l.client("cloudtrail", w.m1_creds, region="eu-west-1")
    shadow = ct_eu.describe_trails(includeShadowTrails=True)["trailList"]
    check("multi-region trail appears as shadow trail in eu-west-1 (HomeRegion us-east-1)",
          [(t["TrailARN"], t["HomeRegion"]) for t in shadow] == [(arn, REGION)], shadow)
    check("includeShadowTrails=false hides it in eu-west-1",
          ct_eu.describe_trails(includeShadowTrails=False)["trailList"] == [])
    status = ct_eu.get_trail_status(Name=arn)
    check("GetTrailStatus by ARN from a shadow region", status["IsLogging"] is True, status)
    sel = ct.get_event_selectors(TrailName=arn)
    check("GetEventSelectors", sel["TrailARN"] == arn, sel)

    # organization trail in the management account
    l.client("s3").create_bucket(Bucket="org-trail-bucket")
    mct = l.client("cloudtrail")
    org_arn = mct.create_trail(Name="org-trail", S3BucketName="org-trail-bucket", IsMultiRegionTrail=True,
                               IsOrganizationTrail=True)["TrailARN"]
    mct.start_logging(Name="org-trail")
    seen = {t["TrailARN"]: t for t in ct.describe_trails(includeShadowTrails=True)["trailList"]}
    check("member sees the organization trail in DescribeTrails",
          org_arn in seen and seen[org_arn]["IsOrganizationTrail"] is True, list(seen))
    seen_eu = {t["TrailARN"] for t in ct_eu.describe_trails(includeShadowTrails=True)["trailList"]}
    check("... and as a shadow trail in eu-west-1", org_arn in seen_eu, seen_eu)
    check("member GetTrailStatus on the org trail ARN", ct.get_trail_status(Name=org_arn)["IsLogging"] is True)
    check("member GetEventSelectors on the org trail ARN", ct.get_event_selectors(TrailName=org_arn)["TrailARN"] == org_arn)
    code, _, _ = error_of(lambda: ct.get_trail_status(Name="arn:aws:cloudtrail:us-east-1:111111111111:trail/none"))
    check("unknown trail -> TrailNotFoundException", code == "TrailNotFoundException", code)

    # event history seeded through the control plane, served by LookupEvents
    records = [{"eventVersion": "1.08", "eventID": f"e-{i}", "eventName": "ConsoleLogin",
                "eventSource": "signin.amazonaws.com", "eventTime": f"2026-11-2{i}T10:00:00Z",
                "userIdentity": {"type": "Root", "accountId": m1}} for i in range(3)]
    records.append({"eventVersion": "1.08", "eventID": "e-user", "eventName": "ConsoleLogin",
                    "eventSource": "signin.amazonaws.com", "eventTime": "2026-11-22T10:00:00Z",
                    "userIdentity": {"type": "IAMUser", "userName": "alice", "accountId": m1}})
    w.l.control("POST", "/_rootwarden/cloudtrail/events", {"account_id": m1, "region": REGION, "records": records})
    root = {"AttributeKey": "Username", "AttributeValue": "root"}
    first = ct.lookup_events(LookupAttributes=[root], MaxResults=2)
    check("LookupEvents: root's events newest first, a page of MaxResults, then a NextToken",
          [e["EventId"] for e in first["Events"]] == ["e-2", "e-1"] and "NextToken" in first, first)
    rest = ct.lookup_events(LookupAttributes=[root], MaxResults=2, NextToken=first["NextToken"])
    check("LookupEvents: the last page has no NextToken",
          [e["EventId"] for e in rest["Events"]] == ["e-0"] and "NextToken" not in rest, rest)
    window = ct.lookup_events(StartTime=dt.datetime(2026, 11, 21, tzinfo=dt.timezone.utc),
                              EndTime=dt.datetime(2026, 11, 22, 12, tzinfo=dt.timezone.utc))
    check("LookupEvents: [StartTime, EndTime] and no attribute",
          sorted(e["EventId"] for e in window["Events"]) == ["e-1", "e-2", "e-user"], window)
    check("LookupEvents: the record travels as CloudTrailEvent",
          json.loads(first["Events"][0]["CloudTrailEvent"])["eventID"] == "e-2")

    logs.put_metric_filter(
        logGroupName="cloudtrail/root", filterName="root-usage",
        filterPattern='{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
        metricTransformations=[{"metricName": "RootAccountUsage", "metricNamespace": "CISBenchmark", "metricValue": "1"}],
    )
    filters = logs.describe_metric_filters(logGroupName="cloudtrail/root")["metricFilters"]
    check("DescribeMetricFilters", [f["filterName"] for f in filters] == ["root-usage"], filters)
    logs.put_metric_filter(
        logGroupName="cloudtrail/root", filterName="root-usage", filterPattern='{ $.userIdentity.type = "Root" }',
        metricTransformations=[{"metricName": "RootAccountUsage", "metricNamespace": "CISBenchmark",
                                "metricValue": "1", "defaultValue": 0.0, "unit": "Count"}],
    )
    filters = logs.describe_metric_filters(logGroupName="cloudtrail/root")["metricFilters"]
    check("PutMetricFilter with the same name updates the filter (default value and unit kept)",
          len(filters) == 1 and filters[0]["metricTransformations"][0].get("defaultValue") == 0.0
          and filters[0]["metricTransformations"][0].get("unit") == "Count", filters)


@section
def sns_and_events(w: World) -> None:
    l = w.l
    sns = l.client("sns", w.m1_creds)
    w.topic = topic = sns.create_topic(Name="root-alerts")["TopicArn"]
    sub = sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="security@example.com")
    check("email Subscribe returns 'pending confirmation'", sub["SubscriptionArn"] == "pending confirmation", sub)
    subs = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    check("ListSubscriptionsByTopic shows PendingConfirmation",
          [s["SubscriptionArn"] for s in subs] == ["PendingConfirmation"], subs)
    status, body = l.control("POST", "/_rootwarden/sns/confirm", {"topic_arn": topic})
    check("POST /_rootwarden/sns/confirm", status == 200 and len(body["confirmed"]) == 1, body)
    subs = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    check("confirmed subscription has a real ARN", subs[0]["SubscriptionArn"].startswith(topic + ":"), subs)
    attrs = sns.get_subscription_attributes(SubscriptionArn=subs[0]["SubscriptionArn"])["Attributes"]
    check("PendingConfirmation attribute false after confirm", attrs["PendingConfirmation"] == "false", attrs)

    events = l.client("events", w.m1_creds)
    pattern = {"detail-type": ["AWS API Call via CloudTrail", "AWS Console Sign In via CloudTrail"],
               "detail": {"userIdentity": {"type": ["Root"]}}}
    events.put_rule(Name="root-activity", EventPattern=json.dumps(pattern), State="ENABLED")
    put = events.put_targets(Rule="root-activity", Targets=[{"Id": "sns", "Arn": topic}])
    check("PutTargets", put["FailedEntryCount"] == 0, put)
    rules = events.list_rules()["Rules"]
    check("ListRules", [r["Name"] for r in rules] == ["root-activity"]
          and json.loads(rules[0]["EventPattern"]) == pattern, rules)
    targets = events.list_targets_by_rule(Rule="root-activity")["Targets"]
    check("ListTargetsByRule", [t["Arn"] for t in targets] == [topic], targets)


@section
def cloudwatch_cbor(w: World) -> None:
    cw = w.l.client("cloudwatch", w.m1_creds)
    wire = Wire(cw)
    for name in ("root-usage-alarm", "root-usage-b", "root-usage-c"):
        cw.put_metric_alarm(
            AlarmName=name, MetricName="RootAccountUsage", Namespace="CISBenchmark", Statistic="Sum",
            Period=300, EvaluationPeriods=1, Threshold=1.0, ComparisonOperator="GreaterThanOrEqualToThreshold",
            AlarmActions=[w.topic], TreatMissingData="notBreaching",
        )
    check("PutMetricAlarm: 200, empty body (no output shape)", wire.status == 200 and wire.raw == b"", (wire.status, wire.raw))
    composite_code, _, _ = error_of(lambda: cw.put_composite_alarm(AlarmName="composite", AlarmRule='ALARM("root-usage-alarm")'))

    out = cw.describe_alarms(AlarmNames=["root-usage-alarm"])
    alarms = out["MetricAlarms"]
    check("DescribeAlarms(AlarmNames) returns one alarm", [a["AlarmName"] for a in alarms] == ["root-usage-alarm"], alarms)
    a = alarms[0]
    check("alarm fields survive the translation",
          a["AlarmActions"] == [w.topic] and a["MetricName"] == "RootAccountUsage" and a["Namespace"] == "CISBenchmark"
          and a["ComparisonOperator"] == "GreaterThanOrEqualToThreshold" and a["TreatMissingData"] == "notBreaching", a)
    raw = cbor2.loads(wire.raw)
    ra = raw["MetricAlarms"][0]
    check("CBOR: Threshold is a float, EvaluationPeriods/Period ints",
          isinstance(ra["Threshold"], float) and type(ra["EvaluationPeriods"]) is int and type(ra["Period"]) is int,
          {k: type(ra[k]).__name__ for k in ("Threshold", "EvaluationPeriods", "Period")})
    check("CBOR: timestamps are tag-1 epoch values",
          isinstance(ra["StateUpdatedTimestamp"], dt.datetime) and isinstance(ra["AlarmConfigurationUpdatedTimestamp"], dt.datetime)
          and b"\xc1\xfb" in wire.raw, {k: ra.get(k) for k in ("StateUpdatedTimestamp", "AlarmConfigurationUpdatedTimestamp")})
    check("CBOR: ActionsEnabled is a bool", ra["ActionsEnabled"] is True, ra.get("ActionsEnabled"))
    check("composite alarms hidden unless AlarmTypes asks", out["CompositeAlarms"] == [], out["CompositeAlarms"])
    if composite_code is None:
        both = cw.describe_alarms(AlarmTypes=["CompositeAlarm"])
        check("AlarmTypes=[CompositeAlarm] returns it", [a["AlarmName"] for a in both["CompositeAlarms"]] == ["composite"], both)
    else:
        note(f"cloudwatch:PutCompositeAlarm: {composite_code} (not implemented)")

    page1 = cw.describe_alarms(MaxRecords=2)
    page2 = cw.describe_alarms(MaxRecords=2, NextToken=page1["NextToken"])
    names = [a["AlarmName"] for a in page1["MetricAlarms"] + page2["MetricAlarms"]]
    check("DescribeAlarms pagination via NextToken",
          names == ["root-usage-alarm", "root-usage-b", "root-usage-c"] and "NextToken" not in page2, (names, page2.get("NextToken")))
    paged = [a["AlarmName"] for p in cw.get_paginator("describe_alarms").paginate(PaginationConfig={"PageSize": 1})
             for a in p["MetricAlarms"]]
    check("DescribeAlarms paginator (page size 1)", paged == names, paged)
    code, status, _ = error_of(lambda: cw.describe_alarms(NextToken="bogus"))
    check("bad NextToken -> InvalidParameterValue 400", (code, status) == ("InvalidParameterValue", 400), (code, status))

    cw.set_alarm_state(AlarmName="root-usage-alarm", StateValue="ALARM", StateReason="root signed in")
    hist = cw.describe_alarm_history(AlarmName="root-usage-alarm")["AlarmHistoryItems"]
    kinds = [h["HistoryItemType"] for h in hist]
    check("DescribeAlarmHistory: Action and StateUpdate (newest first) then ConfigurationUpdate",
          sorted(kinds[:2]) == ["Action", "StateUpdate"] and kinds[2:] == ["ConfigurationUpdate"]
          and isinstance(hist[0]["Timestamp"], dt.datetime), hist)
    state_only = cw.describe_alarm_history(AlarmName="root-usage-alarm", HistoryItemType="StateUpdate")["AlarmHistoryItems"]
    check("DescribeAlarmHistory HistoryItemType filter", len(state_only) == 1, state_only)

    cw.put_metric_data(Namespace="CISBenchmark", MetricData=[{"MetricName": "RootAccountUsage", "Value": 1.0}])
    metrics = cw.list_metrics(Namespace="CISBenchmark")["Metrics"]
    check("ListMetrics through CBOR", [m["MetricName"] for m in metrics] == ["RootAccountUsage"], metrics)

    code, status, err = error_of(lambda: cw.get_dashboard(DashboardName="missing"))
    check("moto error becomes CBOR error (ResourceNotFound 404)", code == "ResourceNotFound" and status == 404, (code, status, err))
    check("CBOR error body carries __type", "__type" in cbor2.loads(wire.raw) and wire.headers.get("x-amzn-query-error"),
          (wire.raw, wire.headers))


@section
def alarm_actions(w: World) -> None:
    """SetAlarmState runs the new state's SNS actions as CloudWatch does: the alarm message is
    published to the topic (an SQS subscriber receives it) and an Action history item records
    the outcome; a topic that does not exist fails the action; disabled actions do not run."""
    cw = w.l.client("cloudwatch", w.m1_creds)
    sqs = w.l.client("sqs", w.m1_creds)
    sns = w.l.client("sns", w.m1_creds)
    url = sqs.create_queue(QueueName="alarm-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=w.topic, Protocol="sqs", Endpoint=queue_arn)
    gone = w.topic.rsplit(":", 1)[0] + ":deleted-topic"
    for name, actions, enabled in (("drill-ok", [w.topic], True), ("drill-gone", [gone], True),
                                   ("drill-disabled", [w.topic], False)):
        cw.put_metric_alarm(
            AlarmName=name, MetricName="RootAccountUsage", Namespace="CISBenchmark", Statistic="Sum",
            Period=300, EvaluationPeriods=1, Threshold=1.0, ComparisonOperator="GreaterThanOrEqualToThreshold",
            AlarmActions=actions, ActionsEnabled=enabled)
        cw.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="rootwarden drill t1")

    def actions_of(name: str) -> list[dict[str, Any]]:
        return cw.describe_alarm_history(AlarmName=name, HistoryItemType="Action")["AlarmHistoryItems"]

    ok = actions_of("drill-ok")
    data = json.loads(ok[0]["HistoryData"]) if ok else {}
    check("Action item: Successfully executed action TOPIC, actionState Succeeded",
          len(ok) == 1 and ok[0]["HistorySummary"] == f"Successfully executed action {w.topic}"
          and data.get("actionState") == "Succeeded" and data.get("notificationResource") == w.topic, ok)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    message = json.loads(json.loads(got[0]["Body"])["Message"]) if got else {}
    check("the alarm message reaches the topic's SQS subscriber",
          len(got) == 1 and message.get("AlarmName") == "drill-ok" and message.get("NewStateValue") == "ALARM"
          and message.get("NewStateReason") == "rootwarden drill t1", got)
    failed = actions_of("drill-gone")
    data = json.loads(failed[0]["HistoryData"]) if failed else {}
    check("Action item for a missing topic: Failed to execute action, actionState Failed",
          len(failed) == 1 and failed[0]["HistorySummary"].startswith(f"Failed to execute action {gone}")
          and data.get("actionState") == "Failed", failed)
    check("disabled actions: no Action item", actions_of("drill-disabled") == [], actions_of("drill-disabled"))
    cw.set_alarm_state(AlarmName="drill-ok", StateValue="ALARM", StateReason="again")
    check("no state change, no action", len(actions_of("drill-ok")) == 1, actions_of("drill-ok"))


@section
def test_metric_filter(w: World) -> None:
    """logs:TestMetricFilter for JSON patterns joined by &&; other patterns are answered 501."""
    logs = w.l.client("logs", w.m1_creds)
    pattern = ('{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS '
               '&& $.eventType != "AwsServiceEvent" }')
    messages = [
        json.dumps({"userIdentity": {"type": "Root"}, "eventType": "AwsConsoleSignIn"}),
        json.dumps({"userIdentity": {"type": "IAMUser"}, "eventType": "AwsApiCall"}),
        json.dumps({"userIdentity": {"type": "Root", "invokedBy": "support.amazonaws.com"}, "eventType": "AwsApiCall"}),
        json.dumps({"userIdentity": {"type": "Root"}, "eventType": "AwsServiceEvent"}),
        json.dumps({"userIdentity": {"type": "Ro*"}, "eventType": "AwsApiCall"}),
    ]
    out = logs.test_metric_filter(filterPattern=pattern, logEventMessages=messages)["matches"]
    check("TestMetricFilter counts only the root event (eventNumber from 1, message echoed)",
          [(m["eventNumber"], m["eventMessage"]) for m in out] == [(1, messages[0])], out)
    wild = logs.test_metric_filter(filterPattern='{ $.userIdentity.type = "Ro*" }', logEventMessages=messages)["matches"]
    check("TestMetricFilter: * is a wildcard in a string value", [m["eventNumber"] for m in wild] == [1, 3, 4, 5], wild)
    code, status, _ = error_of(lambda: logs.test_metric_filter(filterPattern="?ERROR ?FAIL", logEventMessages=["x"]))
    _, unimplemented = w.l.control("GET", "/_rootwarden/unimplemented")
    check("an unsupported pattern is 501 and counted as unimplemented",
          status == 501 and "logs:TestMetricFilter" in unimplemented, (code, status, unimplemented))


@section
def organizations_features(w: World) -> None:
    iam = w.l.client("iam")
    code, _, _ = error_of(iam.list_organizations_features)
    check("ListOrganizationsFeatures before trusted access -> ServiceAccessNotEnabledException",
          code == "ServiceAccessNotEnabledException", code)
    w.l.client("organizations").enable_aws_service_access(ServicePrincipal="iam.amazonaws.com")
    iam.enable_organizations_root_credentials_management()
    iam.enable_organizations_root_sessions()
    feats = iam.list_organizations_features()
    check("ListOrganizationsFeatures after enabling both",
          sorted(feats["EnabledFeatures"]) == ["RootCredentialsManagement", "RootSessions"] and feats["OrganizationId"].startswith("o-"),
          feats)
    code, _, _ = error_of(w.l.client("iam", w.m1_creds).list_organizations_features)
    check("member account -> AccountNotManagementOrDelegatedAdministratorException",
          code == "AccountNotManagementOrDelegatedAdministratorException", code)


@section
def list_regions(w: World) -> None:
    acct = w.l.client("account")
    regions = {r["RegionName"]: r["RegionOptStatus"]
               for p in acct.get_paginator("list_regions").paginate() for r in p["Regions"]}
    check("ListRegions default: 17 ENABLED_BY_DEFAULT regions",
          sum(1 for v in regions.values() if v == "ENABLED_BY_DEFAULT") == 17 and regions.get("af-south-1") == "DISABLED",
          regions)
    status, _ = w.l.control("POST", "/_rootwarden/regions", {
        "account_id": w.m1, "regions": {"us-east-1": "ENABLED_BY_DEFAULT", "eu-west-1": "ENABLED_BY_DEFAULT",
                                        "af-south-1": "ENABLED", "ap-east-1": "DISABLED"}})
    check("POST /_rootwarden/regions", status == 200)
    macct = w.l.client("account", w.m1_creds)
    got = [r["RegionName"] for r in macct.list_regions(RegionOptStatusContains=["ENABLED", "ENABLED_BY_DEFAULT"])["Regions"]]
    check("ListRegions override + RegionOptStatusContains", got == ["af-south-1", "eu-west-1", "us-east-1"], got)


@section
def faults(w: World) -> None:
    l = w.l
    ct1 = l.client("cloudtrail", w.m1_creds)
    status, body = l.control("POST", "/_rootwarden/deny", {"account_id": w.m1, "action": "cloudtrail:DescribeTrails",
                                                           "code": "AccessDeniedException"})
    check("POST /_rootwarden/deny", status == 200 and body["id"] >= 1, body)
    code, status, err = error_of(ct1.describe_trails)
    check("denied DescribeTrails (JSON protocol) -> AccessDeniedException 400",
          (code, status) == ("AccessDeniedException", 400) and "cloudtrail:DescribeTrails" in err.get("Message", ""), (code, status, err))
    check("other accounts unaffected", l.client("cloudtrail").describe_trails()["trailList"] is not None)

    target = f"arn:aws:iam::{w.m2}:role/OrganizationAccountAccessRole"
    l.control("POST", "/_rootwarden/deny", {"action": "sts:AssumeRole", "role_arn": target})
    sts = l.client("sts")
    code, status, err = error_of(lambda: sts.assume_role(RoleArn=target, RoleSessionName="rootwarden"))
    check("AssumeRole into denied role -> AccessDenied 403 (query XML)", (code, status) == ("AccessDenied", 403), (code, status, err))
    ok = sts.assume_role(RoleArn=f"arn:aws:iam::{w.m1}:role/OrganizationAccountAccessRole", RoleSessionName="rootwarden")
    check("AssumeRole into other member still works", ok["AssumedRoleUser"]["Arn"].startswith(f"arn:aws:sts::{w.m1}:"))

    cw = l.client("cloudwatch", w.m1_creds)
    wire = Wire(cw)
    l.control("POST", "/_rootwarden/deny", {"account_id": w.m1, "action": "cloudwatch:DescribeAlarms", "code": "AccessDenied"})
    code, status, err = error_of(cw.describe_alarms)
    check("denied DescribeAlarms over CBOR -> AccessDenied 403", (code, status) == ("AccessDenied", 403), (code, status, err))
    check("... as a CBOR body with __type", cbor2.loads(wire.raw).get("__type") == "AccessDenied"
          and wire.headers.get("content-type") == "application/cbor", wire.raw)

    iam = l.client("iam", w.m1_creds)
    l.control("POST", "/_rootwarden/deny", {"account_id": w.m1, "action": "iam:GetAccountSummary", "code": "Throttling", "times": 1})
    code, status, _ = error_of(iam.get_account_summary)
    check("times=1 Throttling: first call throttled (400)", (code, status) == ("Throttling", 400), (code, status))
    check("... second call succeeds", "SummaryMap" in iam.get_account_summary())

    l.control("POST", "/_rootwarden/deny", {"account_id": w.m1, "action": "logs:Describe*", "region": "eu-west-1",
                                            "code": "ThrottlingException"})
    code, _, _ = error_of(l.client("logs", w.m1_creds, region="eu-west-1").describe_metric_filters)
    check("glob + region rule hits eu-west-1", code == "ThrottlingException", code)
    check("... not us-east-1", "metricFilters" in l.client("logs", w.m1_creds).describe_metric_filters())

    l.control("POST", "/_rootwarden/deny", {"account_id": w.m1, "action": "account:ListRegions"})
    code, status, _ = error_of(l.client("account", w.m1_creds).list_regions)
    check("rest-json deny (account:ListRegions) -> AccessDeniedException", code == "AccessDeniedException", (code, status))

    status, rules = l.control("GET", "/_rootwarden/deny")
    check("GET /_rootwarden/deny lists rules with hits",
          status == 200 and len(rules) == 6 and all("hits" in r for r in rules) and rules[0]["hits"] == 1, rules)

    # rate: AWS's kind of throttling, calls beyond R a second per account and region.
    l.control("POST", "/_rootwarden/deny", {"account_id": w.m1, "action": "sns:*", "code": "Throttled",
                                            "status": 429, "rate": 0.2})
    sns = l.client("sns", w.m1_creds)
    check("rate=0.2: the first call is answered", "Topics" in sns.list_topics())
    code, status, _ = error_of(sns.list_topics)
    check("... the next one at once is throttled (429)", (code, status) == ("Throttled", 429), (code, status))
    code, _, _ = error_of(sns.list_subscriptions)
    check("... whatever the action the rule matches", code == "Throttled", code)
    check("... another region has its own rate",
          "Topics" in l.client("sns", w.m1_creds, region="eu-west-1").list_topics())
    status, body = l.control("POST", "/_rootwarden/deny", {"action": "sns:*", "rate": 0})
    check("rate must be positive", status == 400 and "rate" in body.get("error", ""), (status, body))


@section
def connections(w: World) -> None:
    """Connections stay open between requests (as AWS's do) and are counted."""
    import http.client

    l = w.l
    _, before = l.control("GET", "/_rootwarden/connections")
    host, port = l.url.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    answers = []
    for body in ("Action=GetCallerIdentity&Version=2011-06-15", "Action=ListUsers&Version=2010-05-08"):
        conn.request("POST", "/", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/"
                             + ("sts" if "Caller" in body else "iam") + "/aws4_request, SignedHeaders=host, Signature=0"})
        r = conn.getresponse()
        answers.append((r.status, r.getheader("Connection"), r.read()))
    conn.close()
    check("two calls answered on one kept-alive connection",
          [a[:2] for a in answers] == [(200, None), (200, None)]
          and b"GetCallerIdentityResult" in answers[0][2] and b"ListUsersResult" in answers[1][2], answers)
    _, after = l.control("GET", "/_rootwarden/connections")
    # This connection and the two control queries' own.
    check("GET /_rootwarden/connections counts accepted connections",
          after["accepted"] - before["accepted"] == 2, (before, after))


@section
def call_counter(w: World) -> None:
    l = w.l
    status, _ = l.control("POST", "/_rootwarden/calls/reset")
    check("POST /_rootwarden/calls/reset", status == 200)
    iam1 = l.client("iam", w.m1_creds)
    iam1.list_users()
    iam1.list_users()
    error_of(l.client("cloudtrail", w.m1_creds).describe_trails)  # denied: still counted
    error_of(l.client("cloudwatch", w.m1_creds).describe_alarms)  # denied, CBOR
    l.client("cloudwatch", w.m1_creds).list_metrics()
    l.client("organizations").list_accounts()
    l.client("sts").get_caller_identity()
    l.client("account", w.m1_creds, region="us-east-1")  # no call
    status, calls = l.control("GET", "/_rootwarden/calls")
    expected = {
        w.m1: {"iam:ListUsers": 2, "cloudtrail:DescribeTrails": 1, "cloudwatch:DescribeAlarms": 1, "cloudwatch:ListMetrics": 1},
        MGMT: {"organizations:ListAccounts": 1, "sts:GetCallerIdentity": 1},
    }
    check("GET /_rootwarden/calls counts per account and service:Operation", calls == expected, calls)
    status, by_region = l.control("GET", "/_rootwarden/calls?by=region")
    check("GET /_rootwarden/calls?by=region", by_region[w.m1][REGION]["iam:ListUsers"] == 2, by_region)


AUDIT = "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"
DELETE = "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials"


@section
def assume_root(w: World) -> None:
    """sts:AssumeRoot as AWS documents it, and the root sessions it opens."""
    l = w.l
    l.control("POST", "/_rootwarden/root", {
        "account_id": w.m2, "mfa": "virtual", "password": True,
        "access_keys": [{"active": True, "last_rotated": "2019-05-01T00:00:00Z"},
                        {"active": False, "last_rotated": "2021-02-03T00:00:00Z"}],
        "certs": [{"active": True, "last_rotated": "2018-01-01T00:00:00Z"}]})
    sts = l.client("sts")
    out = sts.assume_root(TargetPrincipal=w.m2, TaskPolicyArn={"arn": AUDIT}, DurationSeconds=900)
    creds = out["Credentials"]
    expires_in = (creds["Expiration"] - dt.datetime.now(dt.timezone.utc)).total_seconds()
    check("AssumeRoot from the management account -> ASIA credentials for 900 s",
          creds["AccessKeyId"].startswith("ASIA") and len(creds["AccessKeyId"]) == 20 and 880 < expires_in <= 900,
          (creds["AccessKeyId"], expires_in))
    iam = l.client("iam", creds)
    profile = iam.get_login_profile()["LoginProfile"]
    check("GetLoginProfile in the session: root has a password", "CreateDate" in profile, profile)
    keys = iam.list_access_keys()["AccessKeyMetadata"]
    check("ListAccessKeys: both root keys with status",
          [(k["AccessKeyId"][-4:], k["Status"]) for k in keys] == [("KEY1", "Active"), ("KEY2", "Inactive")], keys)
    devices = iam.list_mfa_devices()["MFADevices"]
    check("ListMFADevices: root's virtual device",
          [d["SerialNumber"] for d in devices] == [f"arn:aws:iam::{w.m2}:mfa/root-account-mfa-device"], devices)
    certs = iam.list_signing_certificates()["Certificates"]
    check("ListSigningCertificates: the active certificate", [c["Status"] for c in certs] == ["Active"], certs)
    user = iam.get_user()["User"]
    check("GetUser: the member's root", user["Arn"] == f"arn:aws:iam::{w.m2}:root", user)
    code, status, err = error_of(lambda: iam.delete_access_key(AccessKeyId=keys[0]["AccessKeyId"]))
    check("the audit policy allows no change: DeleteAccessKey -> AccessDenied 403",
          (code, status) == ("AccessDenied", 403) and "no session policy allows" in err.get("Message", ""), (code, status, err))
    code, _, _ = error_of(lambda: l.client("s3", creds).list_buckets())
    check("... nor another service (s3:ListBuckets) -> AccessDenied", code == "AccessDenied", code)
    status, calls = l.control("GET", "/_rootwarden/calls")
    check("session calls are counted in the member account, AssumeRoot in the caller's",
          calls.get(w.m2, {}).get("iam:ListAccessKeys") == 1 and calls.get(MGMT, {}).get("sts:AssumeRoot", 0) >= 1, calls)

    code, status, err = error_of(lambda: sts.assume_root(TargetPrincipal=w.m2, TaskPolicyArn={"arn": AUDIT},
                                                         DurationSeconds=901))
    check("DurationSeconds over 900 -> ValidationError", code == "ValidationError" and "900" in err.get("Message", ""),
          (code, err))
    code, _, _ = error_of(lambda: sts.assume_root(TargetPrincipal=w.m2,
                                                  TaskPolicyArn={"arn": "arn:aws:iam::aws:policy/AdministratorAccess"}))
    check("a policy that is not a root task policy -> ValidationError", code == "ValidationError", code)
    code, status, _ = error_of(lambda: sts.assume_root(TargetPrincipal=MGMT, TaskPolicyArn={"arn": AUDIT}))
    check("the management account's own root -> AccessDenied", (code, status) == ("AccessDenied", 403), (code, status))
    code, _, _ = error_of(lambda: l.client("sts", w.m1_creds).assume_root(TargetPrincipal=w.m2,
                                                                          TaskPolicyArn={"arn": AUDIT}))
    check("from a member account (not management, not delegated admin) -> AccessDenied", code == "AccessDenied", code)
    by_arn = sts.assume_root(TargetPrincipal=f"arn:aws:iam::{w.m2}:root", TaskPolicyArn={"arn": AUDIT})
    check("TargetPrincipal as the member's root ARN", by_arn["Credentials"]["AccessKeyId"].startswith("ASIA"))
    expired = sts.assume_root(TargetPrincipal=w.m2, TaskPolicyArn={"arn": AUDIT}, DurationSeconds=0)["Credentials"]
    code, status, _ = error_of(l.client("iam", expired).list_access_keys)
    check("a session past its expiration -> ExpiredToken 403", (code, status) == ("ExpiredToken", 403), (code, status))
    forged = dict(creds, SessionToken="not-the-session-token")
    code, _, _ = error_of(l.client("iam", forged).list_access_keys)
    check("a session key with another token -> InvalidClientTokenId", code == "InvalidClientTokenId", code)

    # The delete task policy removes what the audit saw.
    creds = sts.assume_root(TargetPrincipal=w.m2, TaskPolicyArn={"arn": DELETE})["Credentials"]
    root = l.client("iam", creds)
    root.delete_login_profile()
    for k in root.list_access_keys()["AccessKeyMetadata"]:
        root.delete_access_key(AccessKeyId=k["AccessKeyId"])
    code, _, _ = error_of(lambda: root.update_access_key(AccessKeyId="AKIAEXAMPLEROOTKEY00", Status="Inactive"))
    check("IAMDeleteRootUserCredentials does not allow UpdateAccessKey", code == "AccessDenied", code)
    code, status, _ = error_of(root.get_login_profile)
    check("after DeleteLoginProfile: NoSuchEntity 404", (code, status) == ("NoSuchEntity", 404), (code, status))
    check("after DeleteAccessKey: no key left", root.list_access_keys()["AccessKeyMetadata"] == [])

    # Refused and throttled, as injected faults in STS's own protocol.
    l.control("POST", "/_rootwarden/deny", {"action": "sts:AssumeRoot", "account_id": w.m1})
    code, status, _ = error_of(lambda: sts.assume_root(TargetPrincipal=w.m1, TaskPolicyArn={"arn": AUDIT}))
    check("deny rule on the target member -> AccessDenied", (code, status) == ("AccessDenied", 403), (code, status))
    check("... other members unaffected",
          "Credentials" in sts.assume_root(TargetPrincipal=w.m2, TaskPolicyArn={"arn": AUDIT}))
    l.control("POST", "/_rootwarden/deny", {"action": "sts:AssumeRoot", "account_id": w.m2, "code": "Throttling",
                                            "status": 400, "times": 1})
    code, _, _ = error_of(lambda: sts.assume_root(TargetPrincipal=w.m2, TaskPolicyArn={"arn": AUDIT}))
    check("throttled once -> Throttling, then served", code == "Throttling"
          and "Credentials" in sts.assume_root(TargetPrincipal=w.m2, TaskPolicyArn={"arn": AUDIT}), code)

    iam = l.client("iam")
    iam.disable_organizations_root_sessions()
    code, _, err = error_of(lambda: sts.assume_root(TargetPrincipal=w.m2, TaskPolicyArn={"arn": AUDIT}))
    check("RootSessions disabled -> AccessDenied", code == "AccessDenied" and "RootSessions" in err.get("Message", ""),
          (code, err))
    iam.enable_organizations_root_sessions()


@section
def root_event_delivery(w: World) -> None:
    """A root session's call reaches its trail's log group, its metric filter's metric and its
    alarm after the delivery delay, as CloudTrail delivers it; a trail not logging delivers nothing."""
    l, m2 = w.l, w.m2
    _, rules = l.control("GET", "/_rootwarden/deny")  # earlier sections' faults
    for rule in rules:
        l.control("DELETE", f"/_rootwarden/deny?id={rule['id']}")
    creds = l.client("sts").assume_role(RoleArn=f"arn:aws:iam::{m2}:role/OrganizationAccountAccessRole",
                                        RoleSessionName="delivery")["Credentials"]
    l.client("s3", creds).create_bucket(Bucket=f"delivery-{m2}")
    logs = l.client("logs", creds)
    logs.create_log_group(logGroupName="delivery")
    group_arn = logs.describe_log_groups(logGroupNamePrefix="delivery")["logGroups"][0]["arn"]
    ct = l.client("cloudtrail", creds)
    ct.create_trail(Name="delivery-trail", S3BucketName=f"delivery-{m2}", IsMultiRegionTrail=True,
                    CloudWatchLogsLogGroupArn=group_arn,
                    CloudWatchLogsRoleArn=f"arn:aws:iam::{m2}:role/CloudTrailToLogs")
    ct.start_logging(Name="delivery-trail")
    logs.put_metric_filter(
        logGroupName="delivery", filterName="root-usage",
        filterPattern='{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
        metricTransformations=[{"metricName": "RootUse", "metricNamespace": "Delivery", "metricValue": "1"}])
    # A text pattern the launcher cannot evaluate: it must not count (nor alarm).
    logs.put_metric_filter(
        logGroupName="delivery", filterName="text-root", filterPattern='"Root"',
        metricTransformations=[{"metricName": "TextRoot", "metricNamespace": "Delivery", "metricValue": "1"}])
    sns, sqs = l.client("sns", creds), l.client("sqs", creds)
    topic = sns.create_topic(Name="delivery-alerts")["TopicArn"]
    queue = sqs.create_queue(QueueName="delivery-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    cw = l.client("cloudwatch", creds)
    for name, metric in (("delivery-root", "RootUse"), ("delivery-text", "TextRoot")):
        cw.put_metric_alarm(AlarmName=name, MetricName=metric, Namespace="Delivery", Statistic="Sum",
                            Period=300, EvaluationPeriods=1, Threshold=1.0,
                            ComparisonOperator="GreaterThanOrEqualToThreshold", TreatMissingData="notBreaching",
                            AlarmActions=[topic], ActionsEnabled=True)
        cw.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="baseline")

    status, body = l.control("POST", "/_rootwarden/delivery", {"delay_seconds": 1})
    check("POST /_rootwarden/delivery sets the delay", status == 200 and body["delay_seconds"] == 1, body)
    status, _ = l.control("POST", "/_rootwarden/delivery", {"delay_seconds": "soon"})
    check("... a delay that is not a number -> 400", status == 400, status)
    session = l.client("sts").assume_root(TargetPrincipal=m2, TaskPolicyArn={"arn": AUDIT})["Credentials"]
    before = time.time()
    l.client("iam", session).list_mfa_devices()
    check("the root call returns before delivery", time.time() - before < 1.0
          and logs.filter_log_events(logGroupName="delivery").get("events") == [])

    def wait_for(cond: Callable[[], Any], seconds: float = 10.0) -> Any:
        deadline = time.time() + seconds
        while time.time() < deadline:
            got = cond()
            if got:
                return got
            time.sleep(0.3)
        return cond()

    events = wait_for(lambda: logs.filter_log_events(logGroupName="delivery").get("events"))
    record = json.loads(events[0]["message"]) if events else {}
    check("the root event reaches the trail's log group (stream ACCOUNT_CloudTrail_REGION)",
          len(events or []) == 1 and events[0]["logStreamName"] == f"{m2}_CloudTrail_us-east-1", events)
    check("... as CloudTrail writes it: Root, iam ListMFADevices, recipient, read-only, source IP",
          record.get("userIdentity", {}).get("type") == "Root"
          and record.get("userIdentity", {}).get("arn") == f"arn:aws:iam::{m2}:root"
          and record.get("eventSource") == "iam.amazonaws.com" and record.get("eventName") == "ListMFADevices"
          and record.get("recipientAccountId") == m2 and record.get("readOnly") is True
          and record.get("awsRegion") == "us-east-1" and record.get("sourceIPAddress")
          and record.get("managementEvent") is True and "eventTime" in record, record)
    state = wait_for(lambda: cw.describe_alarms(AlarmNames=["delivery-root"])["MetricAlarms"][0]["StateValue"] == "ALARM")
    check("the metric filter's metric takes the alarm to ALARM", state)
    history = wait_for(lambda: [h for h in cw.describe_alarm_history(AlarmName="delivery-root",
                                                                     ScanBy="TimestampAscending")["AlarmHistoryItems"]
                                if h["HistoryItemType"] != "Action"] and
                       cw.describe_alarm_history(AlarmName="delivery-root", HistoryItemType="Action")["AlarmHistoryItems"]
                       and cw.describe_alarm_history(AlarmName="delivery-root",
                                                     ScanBy="TimestampAscending")["AlarmHistoryItems"])
    kinds = [(h["HistoryItemType"], h["HistorySummary"]) for h in history]
    check("... recorded as StateUpdate OK -> ALARM ('Threshold Crossed') and an executed Action",
          ("StateUpdate", "Alarm updated from OK to ALARM") in kinds
          and any(k == "Action" and s.startswith("Successfully executed action") for k, s in kinds)
          and any("Threshold Crossed" in json.loads(h["HistoryData"]).get("newState", {}).get("stateReason", "")
                  for h in history if h["HistoryItemType"] == "StateUpdate"), kinds)
    stats = cw.get_metric_statistics(Namespace="Delivery", MetricName="RootUse", Statistics=["Sum"], Period=60,
                                     StartTime=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5),
                                     EndTime=dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=1))
    check("... the metric value is published", sum(p["Sum"] for p in stats["Datapoints"]) == 1.0, stats)
    msgs = wait_for(lambda: sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []))
    alarm_msgs = [json.loads(json.loads(m["Body"])["Message"]) for m in msgs]
    check("... and the queue subscribed to the topic receives the alarm message",
          [m["AlarmName"] for m in alarm_msgs] == ["delivery-root"], alarm_msgs)
    text_state = cw.describe_alarms(AlarmNames=["delivery-text"])["MetricAlarms"][0]["StateValue"]
    _, delivery = l.control("GET", "/_rootwarden/delivery")
    mine = [d for d in delivery["deliveries"] if d.get("log_group") == group_arn]
    unevaluated = [f for d in mine for f in d.get("filters", []) if f["filter"] == "text-root"]
    check("a pattern the launcher cannot evaluate does not count, and the delivery log says so",
          text_state == "OK" and unevaluated and "unevaluated" in unevaluated[0], (text_state, mine))
    check("no delivery failed", not [d for d in delivery["deliveries"] if "error" in d],
          [d["error"] for d in delivery["deliveries"] if "error" in d])
    skipped = [d for d in delivery["deliveries"] if d.get("trail", "").endswith(":trail/org-trail")]
    check("the organization trail without a log group delivers nowhere",
          skipped and all(d.get("skipped") == "the trail does not deliver to CloudWatch Logs" for d in skipped), skipped)

    # The trail stops logging: the next root call reaches nothing.
    ct.stop_logging(Name="delivery-trail")
    cw.set_alarm_state(AlarmName="delivery-root", StateValue="OK", StateReason="reset")
    l.client("iam", session).list_mfa_devices()
    time.sleep(2.5)
    events = logs.filter_log_events(logGroupName="delivery").get("events")
    state = cw.describe_alarms(AlarmNames=["delivery-root"])["MetricAlarms"][0]["StateValue"]
    _, delivery = l.control("GET", "/_rootwarden/delivery")
    last = [d for d in delivery["deliveries"] if d.get("trail", "").endswith(":trail/delivery-trail")][-1]
    check("a trail that is not logging delivers nothing: no new event, the alarm stays OK",
          len(events) == 1 and state == "OK" and last.get("skipped") == "the trail is not logging",
          (len(events), state, last))
    l.control("POST", "/_rootwarden/delivery", {"delay_seconds": 3})


@section
def resets(w: World) -> None:
    l = w.l
    status, _ = l.control("POST", "/_rootwarden/reset")
    check("POST /_rootwarden/reset", status == 200)
    check("faults cleared", "trailList" in l.client("cloudtrail", w.m1_creds).describe_trails())
    iam = l.client("iam", w.m1_creds)
    rows = _csv(iam.get_credential_report())
    check("root row gone after reset", all(r[0] != "<root_account>" for r in rows), rows)
    check("summary back to 0", iam.get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 0)
    status, _ = l.control("GET", "/_rootwarden/nope")
    check("unknown control path -> 404", status == 404)
    req = urllib.request.Request(l.url + "/moto-api/reset", data=b"", method="POST")
    urllib.request.urlopen(req, timeout=30).read()
    code, _, _ = error_of(l.client("organizations").describe_organization)
    check("/moto-api/reset wipes moto state", code == "AWSOrganizationsNotInUseException", code)


# --------------------------------------------------------------------------
# moto's own behaviour (launcher --plain) and the version fingerprint
# --------------------------------------------------------------------------


@section
def measure_plain_moto(_: Any) -> None:
    import moto

    plain = Launcher("--plain")
    try:
        note(f"versions: moto {moto.__version__}, boto3 {boto3.__version__}, botocore {botocore.__version__}, cbor2 {_dist_version('cbor2')}, python {sys.version.split()[0]}")
        c = plain.client
        # CloudWatch over CBOR
        cw = c("cloudwatch")
        wire = Wire(cw)
        try:
            cw.describe_alarms()
        except Exception:
            pass
        note(f"CloudWatch rpc-v2-cbor (POST /service/GraniteServiceVersion20100801/operation/DescribeAlarms): bare moto answers "
             f"HTTP {wire.status} {wire.headers.get('content-type')} -> launcher translates to awsJson1_0")
        # org + member
        org = c("organizations")
        org.create_organization(FeatureSet="ALL")
        m1 = org.create_account(Email="a@example.com", AccountName="a")["CreateAccountStatus"]["AccountId"]
        creds = c("sts").assume_role(RoleArn=f"arn:aws:iam::{m1}:role/OrganizationAccountAccessRole",
                                     RoleSessionName="rootwarden")["Credentials"]
        code, _, _ = error_of(lambda: c("iam", creds).get_role(RoleName="OrganizationAccountAccessRole"))
        note(f"organizations:CreateAccount creates OrganizationAccountAccessRole in the member: {code is None}")
        code, _, _ = error_of(lambda: c("sts").assume_role(RoleArn=f"arn:aws:iam::{m1}:role/DoesNotExist", RoleSessionName="rootwarden"))
        note(f"sts:AssumeRole into a role that does not exist succeeds: {code is None} (use a deny rule to simulate an unassumable role)")
        # IAM root facts
        iam = c("iam", creds)
        first = iam.generate_credential_report()["State"]
        second = iam.generate_credential_report()["State"]
        rep = iam.get_credential_report()
        rows = list(csv.reader(io.StringIO(rep["Content"].decode())))
        note(f"credential report: Generate states {first} -> {second}; root row present: {any(r[0] == '<root_account>' for r in rows)}; "
             f"GeneratedTime {rep['GeneratedTime'].isoformat()} (constant)")
        iam.create_user(UserName="bob")
        iam.create_access_key(UserName="bob")
        rows = list(csv.reader(io.StringIO(iam.get_credential_report()["Content"].decode())))
        bob = dict(zip(AWS_COLUMNS, rows[1]))
        note(f"user rows: password_last_used={bob['password_last_used']!r} for a user without password (AWS: N/A), "
             f"access_key_1_last_used_region={bob['access_key_1_last_used_region']!r} (AWS: N/A when unused), "
             f"cert_1_last_rotated={bob['cert_1_last_rotated']!r}")
        s = iam.get_account_summary()["SummaryMap"]
        note(f"GetAccountSummary root keys fixed: AccountMFAEnabled={s['AccountMFAEnabled']} AccountAccessKeysPresent={s['AccountAccessKeysPresent']} "
             f"AccountSigningCertificatesPresent={s['AccountSigningCertificatesPresent']}")
        iam0 = c("iam")
        code, status = probe(iam0, iam0.list_organizations_features)
        note(f"iam:ListOrganizationsFeatures: HTTP {status} {code} (not implemented; launcher implements it + Enable/Disable*)")
        code, status, _ = error_of(lambda: c("organizations").enable_aws_service_access(ServicePrincipal="iam.amazonaws.com"))
        note(f"organizations:EnableAWSServiceAccess(iam.amazonaws.com): {code} (launcher allows it)")
        # CloudTrail
        c("s3", creds).create_bucket(Bucket="b-member")
        ct = c("cloudtrail", creds)
        arn = ct.create_trail(Name="member-trail", S3BucketName="b-member", IsMultiRegionTrail=True)["TrailARN"]
        ct.start_logging(Name="member-trail")
        shadow = c("cloudtrail", creds, region="eu-west-1").describe_trails(includeShadowTrails=True)["trailList"]
        note(f"describe_trails(includeShadowTrails=True) from another region returns multi-region trails: {[t['TrailARN'] for t in shadow] == [arn]}")
        code, _, _ = error_of(lambda: c("cloudtrail", creds, region="eu-west-1").get_trail_status(Name=arn))
        note(f"GetTrailStatus by ARN from a shadow region works: {code is None}")
        code, _, _ = error_of(lambda: ct.get_trail_status(Name="ab"))
        note(f"trail names/ARNs shorter than 3 chars -> {code}")
        c("s3").create_bucket(Bucket="b-org")
        org_arn = c("cloudtrail").create_trail(Name="org-trail", S3BucketName="b-org", IsMultiRegionTrail=True,
                                               IsOrganizationTrail=True)["TrailARN"]
        visible = org_arn in [t["TrailARN"] for t in ct.describe_trails(includeShadowTrails=True)["trailList"]]
        code, _, _ = error_of(lambda: ct.get_trail_status(Name=org_arn))
        note(f"organization trail visible to member DescribeTrails: {visible}; member GetTrailStatus(org trail ARN): {code or 'ok'} (launcher fixes both)")
        status = ct.get_trail_status(Name=arn)
        note(f"GetTrailStatus fields: LatestDeliveryTime set without any delivery: {'LatestDeliveryTime' in status}; "
             f"string fields returned as '': LatestNotificationAttemptTime={status.get('LatestNotificationAttemptTime')!r}")
        code, status_code = probe(ct, lambda: ct.lookup_events(MaxResults=1))
        note(f"cloudtrail:LookupEvents: HTTP {status_code} {code} (not implemented; launcher serves it)")
        # Logs
        logs = c("logs", creds)
        logs.create_log_group(logGroupName="g")
        code, status_code = probe(logs, lambda: logs.test_metric_filter(filterPattern='{ $.userIdentity.type = "Root" }',
                                                                         logEventMessages=['{"userIdentity":{"type":"Root"}}']))
        note(f"logs:TestMetricFilter: HTTP {status_code} {code} (not implemented)")
        code, status_code = probe(c("sts"), lambda: c("sts").assume_root(
            TargetPrincipal=m1, TaskPolicyArn={"arn": AUDIT}))
        note(f"sts:AssumeRoot: HTTP {status_code} {code} (not implemented; launcher implements it and root sessions)")
        # SNS
        sns = c("sns", creds)
        topic = sns.create_topic(Name="t")["TopicArn"]
        sub = sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="x@example.com")["SubscriptionArn"]
        listed = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"][0]["SubscriptionArn"]
        note(f"SNS email subscription auto-confirmed: {listed != 'PendingConfirmation'} (Subscribe returned {sub!r}; AWS: 'pending confirmation' / PendingConfirmation; launcher keeps it pending until POST /_rootwarden/sns/confirm)")
        # CloudWatch over JSON (what moto does know)
        js = boto3.client("cloudwatch", endpoint_url=plain.url, region_name=REGION, aws_access_key_id="testing",
                          aws_secret_access_key="testing")
        for n in ("x1", "x2", "x3"):
            js.put_metric_alarm(AlarmName=n, MetricName="M", Namespace="N", Statistic="Sum", Period=60,
                                EvaluationPeriods=1, Threshold=1.0, ComparisonOperator="GreaterThanThreshold")
        page = js.describe_alarms(MaxRecords=1)
        note(f"DescribeAlarms MaxRecords/NextToken ignored: {len(page['MetricAlarms'])} alarms, NextToken={page.get('NextToken')!r} (launcher paginates)")
        note(f"new alarm StateValue={page['MetricAlarms'][0]['StateValue']!r} (AWS: INSUFFICIENT_DATA)")
        code, status_code = probe(js, lambda: js.describe_alarm_history(AlarmName="x1"))
        note(f"cloudwatch:DescribeAlarmHistory: HTTP {status_code} {code} (not implemented; launcher records history)")
        js.put_metric_data(Namespace="N", MetricData=[{"MetricName": "M", "Value": 1.0}])
        js.put_metric_data(Namespace="N", MetricData=[{"MetricName": "M", "Value": 2.0}])
        note(f"ListMetrics after 2 PutMetricData of one metric returns {len(js.list_metrics(Namespace='N')['Metrics'])} entries (AWS: 1)")
        acct = c("account")
        code, status_code = probe(acct, acct.list_regions)
        note(f"account:ListRegions: HTTP {status_code} {code} (not implemented; launcher serves it)")
    finally:
        plain.proc.terminate()
        plain.proc.wait(10)


@section
def process_lifecycle(w: World) -> None:
    l = w.l
    check("READY line format", l.ready_line.rstrip("\n") == f"READY {l.url}" and l.ready_line.count("\n") == 1, l.ready_line)
    assert l.proc.stdin is not None
    l.proc.stdin.close()
    try:
        rc = l.proc.wait(15)
    except subprocess.TimeoutExpired:
        l.proc.kill()
        rc = None
    check("launcher exits 0 when stdin closes", rc == 0, (rc, l.stderr_tail()))
    rest = l.proc.stdout.read() if l.proc.stdout else b""
    check("nothing but the READY line on stdout", rest == b"", rest[:300])
    other = Launcher()
    other.proc.send_signal(signal.SIGTERM)
    try:
        rc = other.proc.wait(15)
    except subprocess.TimeoutExpired:
        other.proc.kill()
        rc = None
    check("launcher exits 0 on SIGTERM", rc == 0, rc)


def main() -> int:
    started = time.time()
    launcher = Launcher()
    w = World(launcher)
    try:
        protocol_selection(w)
        organization(w)
        root_user(w)
        cloudtrail_and_logs(w)
        sns_and_events(w)
        cloudwatch_cbor(w)
        alarm_actions(w)
        test_metric_filter(w)
        organizations_features(w)
        list_regions(w)
        faults(w)
        connections(w)
        call_counter(w)
        assume_root(w)
        root_event_delivery(w)
        resets(w)
        measure_plain_moto(w)
        process_lifecycle(w)
    finally:
        if launcher.proc.poll() is None:
            launcher.proc.kill()
    if FAILED:
        print("--- launcher stderr (tail)\n" + launcher.stderr_tail())
    print("--- moto behaviour measured with launcher.py --plain")
    for line in MOTO_NOTES:
        print(f"MOTO: {line}")
    print(f"({time.time() - started:.1f}s)")
    print(f"{PASSED} passed, {FAILED} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
