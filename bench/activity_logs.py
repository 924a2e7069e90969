#!/usr/bin/env python3
"""Benchmarks `rootwarden activity --logs DIR` on a synthetic set of CloudTrail log files.

    python3 bench/activity_logs.py [--gb 1.1] [--dir /tmp/rootwarden-bench-logs]
                                   [--bin target/release/rootwarden] [--runs 3]
                                   [--generate-only] [--json]

Step 1, generate (cached). Writes CloudTrail log files the way CloudTrail delivers them to S3:

    DIR/AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/
        <account>_CloudTrail_<region>_YYYYMMDDTHHMMZ_<16 random chars>.json.gz

each a gzip (level 6) of compact JSON `{"Records":[...]}` with 200-3000 records of about
1-1.5 KB, until the total *uncompressed* JSON reaches --gb GB (10^9 bytes). 20 accounts,
4 regions, events between 2026-01-01 and 2026-03-31. About 0.1% of the records are root
records (`userIdentity.type` is `Root`): console sign-ins (success and failure), console
actions, calls signed with a root access key, actions in `sts:AssumeRoot` sessions, and events
AWS services record on root's behalf (`invokedBy`). Some non-root records are decoys that a
sloppy matcher would take for root (`AssumeRoot` called by a role, an IAM user named `root`,
Organizations responses naming the organization's "Root"). The data set is deterministic for
a given --seed and --gb. DIR/manifest.json records what was generated (files, records,
root records by kind, uncompressed and compressed bytes); a later run with the same
--seed/--gb reuses DIR. --force regenerates. Generation runs one process per core.

Step 2, measure (skipped with --generate-only). Runs, --runs times each (median taken),

    rootwarden activity --logs DIR/AWSLogs --until 2026-04-01 --days 90 --concurrency J -o json=OUT.json

for J = 1 and J = os.cpu_count() (or --jobs J...): DIR/AWSLogs rather than DIR, because
rootwarden also reads *.json files and would take DIR/manifest.json for a broken log. Checks
the report's `stats.records`, `stats.bytes_uncompressed`, `stats.root_events` (root events,
AWS-service events excluded) and `stats.service_events` against the manifest (and, when
present, that `stats.files` matches and files_unreadable, records_unreadable, outside_window
are 0), and then times, when `jq` is on PATH,

    find DIR/AWSLogs -name '*.json.gz' -print0 | xargs -0 zcat \\
        | jq -c '.Records[]? | select(.userIdentity.type=="Root")' | wc -l

(which counts service events too) and `find ... | xargs -0 zcat > /dev/null` alone (the
decompression floor). The compressed files are read once beforehand so every timing runs
with a warm page cache. Prints a Markdown table (tool, jobs, seconds, MB/s of uncompressed
JSON with MB = 10^6 bytes, MB/s per core, root events found, CPU seconds, peak RSS), or JSON
with --json. Progress and warnings go to stderr; with --strict a failed check exits 2.
"""

from __future__ import annotations

import argparse
import base64
import calendar
import collections
import concurrent.futures
import gzip
import json
import os
import random
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DIR = "/tmp/rootwarden-bench-logs"
DEFAULT_BIN = os.path.join(ROOT, "target", "release", "rootwarden")
DEFAULT_SEED = 20260101
MARKER = ".rootwarden-bench-logs"   # in DIR: this script may delete and regenerate DIR/AWSLogs

# Bump when the generated data changes, so cached data sets are regenerated.
GENERATOR_VERSION = 1

N_ACCOUNTS = 20
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"]
REGION_WEIGHTS = [0.4, 0.25, 0.2, 0.15]
START = calendar.timegm((2026, 1, 1, 0, 0, 0))   # inclusive
END = calendar.timegm((2026, 4, 1, 0, 0, 0))     # exclusive
UNTIL, DAYS = "2026-04-01", 90                   # the window passed to rootwarden: [START, END)
MIN_RECORDS, MAX_RECORDS = 200, 3000
ROOT_RATE = 0.001
ROOT_KINDS = ["console_sign_in", "console_action", "programmatic", "assume_root_session", "service"]
ROOT_KIND_WEIGHTS = [0.20, 0.35, 0.15, 0.15, 0.15]
NON_SERVICE = ROOT_KINDS[:4]
TS_FMT = "%Y-%m-%dT%H:%M:%SZ"
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

# --------------------------------------------------------------------------------------------
# Random helpers (all draw from a random.Random seeded per file, so output is deterministic).


def b32(rng: random.Random, n: int) -> str:
    """n characters of A-Z2-7, the alphabet of AWS access key ids."""
    return base64.b32encode(rng.randbytes((n * 5 + 7) // 8)).decode()[:n]


def hexs(rng: random.Random, n: int) -> str:
    return rng.randbytes((n + 1) // 2).hex()[:n]


def uuid4(rng: random.Random) -> str:
    h = rng.randbytes(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:32]}"


def token(rng: random.Random, nbytes: int) -> str:
    return base64.b64encode(rng.randbytes(nbytes)).decode()


def ts(t: int) -> str:
    return time.strftime(TS_FMT, time.gmtime(t))


def public_ip(rng: random.Random) -> str:
    return f"{rng.choice((3, 18, 34, 35, 44, 52, 54, 100, 198, 203))}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


# --------------------------------------------------------------------------------------------
# Per-account context: users, roles, resources. Built from the seed alone.

USER_NAMES = ["alice", "bob", "carol", "dave", "terraform", "jenkins", "backup-agent",
              "ops-admin", "readonly-audit", "data-eng", "grafana", "legacy-ftp-sync"]
ROLE_NAMES = ["OrganizationAccountAccessRole", "AWSReservedSSO_AdministratorAccess_{h}",
              "AWSReservedSSO_ReadOnlyAccess_{h}", "AWSReservedSSO_PowerUserAccess_{h}",
              "github-actions-deploy", "eks-prod-NodeInstanceRole-{H}", "lambda-exec-orders",
              "ecs-task-api", "DatadogIntegrationRole", "aws-config-role", "SecurityAudit",
              "TerraformExecution", "AWSServiceRoleForAutoScaling", "rds-monitoring-role"]
SSO_USERS = ["alice@example.com", "bob@example.com", "carol@example.com", "dave@example.com",
             "erin@example.com", "frank@example.com"]
BUCKET_STEMS = ["app-assets", "data-lake-raw", "data-lake-curated", "backups", "logs-archive",
                "terraform-state", "athena-results", "ml-artifacts"]
FUNCTIONS = ["orders-api", "payments-webhook", "thumbnailer", "etl-nightly", "slack-notifier",
             "cost-report", "auth-authorizer"]
TABLES = ["orders", "sessions", "users", "inventory", "idempotency-keys", "feature-flags"]
SECRETS = ["prod/db/password", "prod/stripe/api-key", "staging/db/password", "datadog/api-key",
           "github/deploy-token"]
PARAMS = ["/app/prod/db_host", "/app/prod/feature_x", "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
          "/app/staging/db_host", "/cloudwatch-agent/config"]
LOG_GROUPS = ["/aws/lambda/orders-api", "/aws/lambda/etl-nightly", "/ecs/api", "/aws/eks/prod/cluster",
              "/aws/rds/instance/prod-db/postgresql", "vpc-flow-logs"]
STACKS = ["network-prod", "eks-prod", "orders-service", "data-pipeline", "monitoring", "iam-baseline"]


class Account:
    def __init__(self, acct: str, rng: random.Random):
        self.id = acct
        self.users = [(n, "AIDA" + b32(rng, 17), "AKIA" + b32(rng, 16))
                      for n in rng.sample(USER_NAMES, 6)]
        self.roles = []
        for r in ROLE_NAMES:
            self.roles.append((r.format(h=hexs(rng, 16), H=b32(rng, 12)), "AROA" + b32(rng, 17)))
        self.buckets = [f"{s}-{acct}" for s in BUCKET_STEMS]
        self.instances = ["i-0" + hexs(rng, 16) for _ in range(30)]
        self.vpcs = ["vpc-0" + hexs(rng, 16) for _ in range(3)]
        self.subnets = ["subnet-0" + hexs(rng, 16) for _ in range(9)]
        self.sgs = ["sg-0" + hexs(rng, 16) for _ in range(12)]
        self.amis = ["ami-0" + hexs(rng, 16) for _ in range(4)]
        self.kms = [uuid4(rng) for _ in range(5)]
        self.office_ips = [f"203.0.113.{rng.randrange(1, 255)}", f"198.51.100.{rng.randrange(1, 255)}"]
        self.nat_ips = [public_ip(rng) for _ in range(4)]
        self.root_key = "AKIA" + b32(rng, 16)
        self.org_root = "r-" + hexs(rng, 4)
        self.org_id = "o-" + hexs(rng, 10)


_ACCOUNTS: dict[int, list[Account]] = {}


def accounts(seed: int) -> list[Account]:
    if seed not in _ACCOUNTS:
        rng = random.Random(f"{seed}/accounts")
        ids: list[str] = []
        while len(ids) < N_ACCOUNTS:
            a = str(rng.randrange(10**11, 10**12))
            if a not in ids:
                ids.append(a)
        _ACCOUNTS[seed] = [Account(a, rng) for a in ids]
    return _ACCOUNTS[seed]


# --------------------------------------------------------------------------------------------
# User agents

UA_CLI = ["aws-cli/2.22.{p} md/awscrt#0.23.4 ua/2.0 os/linux#6.8.0-1019-aws md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.24 md/prompt#off md/command#{c}",
          "aws-cli/2.22.{p} md/awscrt#0.23.4 ua/2.0 os/macos#24.1.0 md/arch#arm64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#source md/prompt#off md/command#{c}"]
UA_SDK = ["Boto3/1.35.{p} md/Botocore#1.35.{p} ua/2.0 os/linux#5.10.227-219.884.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.7 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 cfg/retry-mode#legacy Botocore/1.35.{p}",
          "aws-sdk-go-v2/1.32.{p} ua/2.1 os/linux lang/go#1.23.3 md/GOOS#linux md/GOARCH#amd64 api/{c}#1.{p}.0",
          "aws-sdk-java/2.29.{p} Linux/5.10.228-219.884.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/21.0.5+11-LTS Java/21.0.5 vendor/Amazon.com_Inc. md/internal exec-env/AWS_ECS_FARGATE io/sync http/Apache cfg/retry-mode/legacy",
          "aws-sdk-js/3.693.0 ua/2.1 os/linux#5.10.228-219.884.amzn2.x86_64 lang/js md/nodejs#20.18.0 api/{c}#3.693.0 exec-env/AWS_Lambda_nodejs20.x",
          "APN/1.0 HashiCorp/1.0 Terraform/1.9.8 (+https://www.terraform.io) terraform-provider-aws/5.76.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.32.{p} ua/2.1 os/linux lang/go#1.23.3 md/GOOS#linux md/GOARCH#amd64 api/{c}#1.{p}.0"]
UA_BROWSER = ["Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
              "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
              "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"]


def ua_prog(rng: random.Random, svc: str) -> str:
    tpl = rng.choice(UA_CLI) if rng.random() < 0.25 else rng.choice(UA_SDK)
    return tpl.format(p=rng.randrange(1, 80), c=svc)


# --------------------------------------------------------------------------------------------
# Non-root events. Each returns (requestParameters, responseElements, extra) where extra may
# hold: ro (readOnly), cat ("Data"), res (resources), aed (additionalEventData), shared
# (sharedEventID), etype, nohost (no tlsDetails).


def ev_ec2_describe(rng, a, region, name):
    if name == "DescribeInstances":
        if rng.random() < 0.5:
            req = {"instancesSet": {"items": [{"instanceId": i} for i in rng.sample(a.instances, rng.randint(1, 4))]},
                   "filterSet": {}}
        else:
            req = {"instancesSet": {}, "filterSet": {"items": [
                {"name": "tag:Name", "valueSet": {"items": [{"value": rng.choice(["web-*", "api-*", "bastion"])}]}},
                {"name": "instance-state-name", "valueSet": {"items": [{"value": "running"}, {"value": "pending"}]}}]}}
    elif name == "DescribeSecurityGroups":
        req = {"securityGroupSet": {"items": [{"groupId": g} for g in rng.sample(a.sgs, rng.randint(1, 3))]},
               "securityGroupIdSet": {}, "filterSet": {}}
    elif name == "DescribeSubnets":
        req = {"subnetSet": {}, "filterSet": {"items": [{"name": "vpc-id", "valueSet": {"items": [{"value": rng.choice(a.vpcs)}]}}]}}
    elif name == "DescribeNetworkInterfaces":
        req = {"networkInterfaceIdSet": {}, "filterSet": {"items": [
            {"name": "attachment.instance-id", "valueSet": {"items": [{"value": rng.choice(a.instances)}]}}]}}
    else:
        req = {"volumeSet": {}, "filterSet": {}, "maxResults": 500} if name == "DescribeVolumes" else {"vpcSet": {}, "filterSet": {}}
    return req, None, {"ro": True}


def ev_ec2_run(rng, a, region, name):
    n = rng.randint(1, 3)
    subnet, sg, ami = rng.choice(a.subnets), rng.choice(a.sgs), rng.choice(a.amis)
    itype = rng.choice(["t3.medium", "m7i.large", "c7g.xlarge", "r6i.2xlarge"])
    tags = [{"key": "Name", "value": rng.choice(["web", "api", "worker", "batch"])},
            {"key": "team", "value": rng.choice(["platform", "payments", "data"])},
            {"key": "aws:autoscaling:groupName", "value": "asg-" + hexs(rng, 8)}]
    req = {"instancesSet": {"items": [{"imageId": ami, "minCount": n, "maxCount": n}]},
           "userData": "<sensitiveDataRemoved>", "instanceType": itype, "blockDeviceMapping": {},
           "monitoring": {"enabled": False}, "disableApiTermination": False, "disableApiStop": False,
           "clientToken": uuid4(rng), "networkInterfaceSet": {"items": [
               {"deviceIndex": 0, "subnetId": subnet, "associatePublicIpAddress": False,
                "groupSet": {"items": [{"groupId": sg}]}}]},
           "iamInstanceProfile": {"arn": f"arn:aws:iam::{a.id}:instance-profile/{rng.choice(a.roles)[0]}"},
           "tagSpecificationSet": {"items": [{"resourceType": "instance", "tags": tags}]},
           "metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 2}}
    items = []
    for _ in range(n):
        iid = "i-0" + hexs(rng, 16)
        ip = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        items.append({"instanceId": iid, "imageId": ami, "currentInstanceBootMode": "uefi",
                      "instanceState": {"code": 0, "name": "pending"}, "privateDnsName": f"ip-{ip.replace('.', '-')}.{region}.compute.internal",
                      "amiLaunchIndex": 0, "productCodes": {}, "instanceType": itype,
                      "launchTime": (START + rng.randrange(END - START)) * 1000, "placement": {"availabilityZone": region + rng.choice("abc"), "tenancy": "default"},
                      "monitoring": {"state": "disabled"}, "subnetId": subnet, "vpcId": rng.choice(a.vpcs),
                      "privateIpAddress": ip, "stateReason": {"code": "pending", "message": "pending"},
                      "architecture": "x86_64", "rootDeviceType": "ebs", "rootDeviceName": "/dev/xvda",
                      "blockDeviceMapping": {}, "virtualizationType": "hvm", "hypervisor": "xen",
                      "tagSet": {"items": tags}, "groupSet": {"items": [{"groupId": sg, "groupName": "default"}]},
                      "sourceDestCheck": True, "networkInterfaceSet": {"items": [
                          {"networkInterfaceId": "eni-0" + hexs(rng, 16), "subnetId": subnet, "status": "in-use",
                           "macAddress": ":".join(hexs(rng, 2) for _ in range(6)), "privateIpAddress": ip,
                           "sourceDestCheck": True, "interfaceType": "interface"}]},
                      "ebsOptimized": False, "enaSupport": True,
                      "metadataOptions": {"state": "pending", "httpTokens": "required", "httpPutResponseHopLimit": 2,
                                          "httpEndpoint": "enabled"}})
    resp = {"requestId": uuid4(rng), "reservationId": "r-0" + hexs(rng, 16), "ownerId": a.id,
            "groupSet": {}, "instancesSet": {"items": items}}
    return req, resp, {"ro": False}


def ev_ec2_tags(rng, a, region, name):
    req = {"resourcesSet": {"items": [{"resourceId": rng.choice(a.instances)}]},
           "tagSet": {"items": [{"key": k, "value": v} for k, v in
                                (("owner", rng.choice(USER_NAMES)), ("cost-center", str(rng.randrange(1000, 9999))),
                                 ("env", rng.choice(["prod", "staging"])))]}}
    return req, {"requestId": uuid4(rng), "_return": True}, {"ro": False}


def ev_s3_object(rng, a, region, name):
    bucket = rng.choice(a.buckets)
    key = f"{rng.choice(['raw', 'curated', 'exports', 'tmp', 'uploads'])}/dt=2026-0{rng.randint(1, 3)}-{rng.randint(10, 28)}/part-{rng.randrange(100000):05d}-{uuid4(rng)}.{rng.choice(['parquet', 'json.gz', 'csv', 'png'])}"
    host = f"{bucket}.s3.{region}.amazonaws.com"
    req = {"bucketName": bucket, "Host": host, "key": key}
    if name == "PutObject":
        req["x-amz-server-side-encryption"] = "aws:kms"
        req["x-amz-server-side-encryption-aws-kms-key-id"] = f"arn:aws:kms:{region}:{a.id}:key/{rng.choice(a.kms)}"
    resp = None
    if name == "PutObject":
        resp = {"x-amz-server-side-encryption-aws-kms-key-id": f"arn:aws:kms:{region}:{a.id}:key/{rng.choice(a.kms)}",
                "x-amz-server-side-encryption": "aws:kms", "x-amz-version-id": token(rng, 24).replace("/", "_").replace("+", ".")}
    size = rng.randrange(200, 50_000_000)
    aed = {"SignatureVersion": "SigV4", "CipherSuite": "TLS_AES_128_GCM_SHA256",
           "bytesTransferredIn": size if name == "PutObject" else 0,
           "SSEApplied": "SSE_KMS" if name == "PutObject" else "Default_SSE_S3",
           "AuthenticationMethod": "AuthHeader", "x-amz-id-2": token(rng, 57),
           "bytesTransferredOut": 0 if name == "PutObject" else size}
    res = [{"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{bucket}/{key}"},
           {"accountId": a.id, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"}]
    return req, resp, {"ro": name != "PutObject", "cat": "Data", "res": res, "aed": aed, "host": host,
                       "rid": b32(rng, 16)}


def ev_s3_bucket(rng, a, region, name):
    if name == "ListBuckets":
        req, host = {"Host": f"s3.{region}.amazonaws.com"}, f"s3.{region}.amazonaws.com"
    else:
        bucket = rng.choice(a.buckets)
        host = f"{bucket}.s3.{region}.amazonaws.com"
        req = {"bucketName": bucket, "Host": host, {"GetBucketAcl": "acl", "GetBucketPolicy": "policy",
                                                     "GetBucketLocation": "location",
                                                     "GetBucketEncryption": "encryption"}[name]: ""}
    aed = {"SignatureVersion": "SigV4", "CipherSuite": "TLS_AES_128_GCM_SHA256", "bytesTransferredIn": 0,
           "AuthenticationMethod": "AuthHeader", "x-amz-id-2": token(rng, 57), "bytesTransferredOut": rng.randrange(100, 4000)}
    return req, None, {"ro": True, "aed": aed, "host": host, "rid": b32(rng, 16)}


def ev_sts_assume_role(rng, a, region, name):
    role, rid = rng.choice(a.roles)
    sess = rng.choice(SSO_USERS + ["botocore-session-" + str(rng.randrange(1767225600, 1774915200)),
                                   "i-0" + hexs(rng, 16), "GitHubActions", "aws-go-sdk-" + str(rng.randrange(10**18, 10**19))])
    arn = f"arn:aws:iam::{a.id}:role/{role}"
    req = {"roleArn": arn, "roleSessionName": sess, "durationSeconds": rng.choice([900, 3600, 43200])}
    if rng.random() < 0.3:
        req["externalId"] = uuid4(rng)
    resp = {"credentials": {"accessKeyId": "ASIA" + b32(rng, 16), "sessionToken": token(rng, rng.randrange(150, 350)),
                            "expiration": time.strftime("%b %d, %Y, %I:%M:%S %p", time.gmtime(START + rng.randrange(END - START)))},
            "assumedRoleUser": {"assumedRoleId": f"{rid}:{sess}", "arn": f"arn:aws:sts::{a.id}:assumed-role/{role}/{sess}"}}
    res = [{"accountId": a.id, "type": "AWS::IAM::Role", "ARN": arn}]
    return req, resp, {"ro": True, "res": res, "shared": uuid4(rng) if rng.random() < 0.4 else None}


def ev_sts_misc(rng, a, region, name):
    return None, None, {"ro": True}


def ev_sts_assume_root(rng, a, region, name):
    # Decoy: the management account's role calls sts:AssumeRoot; the caller is not root.
    target = rng.choice(accounts_current)
    req = {"targetPrincipal": target.id,
           "taskPolicyArn": {"arn": "arn:aws:iam::aws:policy/root-task/" + rng.choice(
               ["IAMDeleteRootUserCredentials", "IAMAuditRootUserCredentials", "S3UnlockBucketPolicy"])}}
    resp = {"credentials": {"accessKeyId": "ASIA" + b32(rng, 16), "sessionToken": token(rng, 400),
                            "expiration": "Mar 5, 2026, 2:35:00 PM"}}
    return req, resp, {"ro": False, "decoy": "assume_root_call"}


def ev_kms(rng, a, region, name):
    key = rng.choice(a.kms)
    bucket = rng.choice(a.buckets)
    ctx = rng.choice([{"aws:s3:arn": f"arn:aws:s3:::{bucket}"},
                      {"SecretARN": f"arn:aws:secretsmanager:{region}:{a.id}:secret:{rng.choice(SECRETS)}-{b32(rng, 6)}",
                       "SecretVersionId": uuid4(rng)},
                      {"aws:lambda:FunctionArn": f"arn:aws:lambda:{region}:{a.id}:function:{rng.choice(FUNCTIONS)}"},
                      {"aws:logs:arn": f"arn:aws:logs:{region}:{a.id}:log-group:{rng.choice(LOG_GROUPS)}"}])
    req = {"encryptionContext": ctx, "encryptionAlgorithm": "SYMMETRIC_DEFAULT"}
    if name != "Decrypt":
        req["keyId"] = f"arn:aws:kms:{region}:{a.id}:key/{key}"
        if name == "GenerateDataKey":
            req["keySpec"] = "AES_256"
    res = [{"accountId": a.id, "type": "AWS::KMS::Key", "ARN": f"arn:aws:kms:{region}:{a.id}:key/{key}"}]
    return req, None, {"ro": True, "res": res}


def ev_lambda(rng, a, region, name):
    fn = rng.choice(FUNCTIONS)
    arn = f"arn:aws:lambda:{region}:{a.id}:function:{fn}"
    if name == "Invoke":
        return ({"functionName": arn, "invocationType": rng.choice(["RequestResponse", "Event"]), "logType": "None"},
                None, {"ro": False, "cat": "Data", "res": [{"accountId": a.id, "type": "AWS::Lambda::Function", "ARN": arn}],
                       "aed": {"functionVersion": arn + ":$LATEST"}})
    if name == "GetFunction20150331v2":
        return {"functionName": fn}, None, {"ro": True}
    resp = {"functionName": fn, "functionArn": arn, "runtime": "python3.12", "role": f"arn:aws:iam::{a.id}:role/lambda-exec-orders",
            "handler": "app.handler", "codeSize": rng.randrange(10_000, 50_000_000), "description": "",
            "timeout": 30, "memorySize": rng.choice([128, 256, 1024]), "lastModified": "2026-02-01T10:00:00.000+0000",
            "codeSha256": token(rng, 32), "version": "$LATEST", "tracingConfig": {"mode": "PassThrough"},
            "revisionId": uuid4(rng), "state": "Active", "lastUpdateStatus": "InProgress",
            "packageType": "Zip", "architectures": ["arm64"], "ephemeralStorage": {"size": 512},
            "snapStart": {"applyOn": "None", "optimizationStatus": "Off"},
            "loggingConfig": {"logFormat": "Text", "logGroup": f"/aws/lambda/{fn}"}}
    return {"functionName": fn, "publish": False, "dryRun": False}, resp, {"ro": False}


def ev_dynamodb(rng, a, region, name):
    table = rng.choice(TABLES)
    req = {"tableName": table, "key": {"pk": "HIDDEN_DUE_TO_SECURITY_REASONS", "sk": "HIDDEN_DUE_TO_SECURITY_REASONS"}}
    if name == "Query":
        req = {"tableName": table, "indexName": "gsi1", "keyConditionExpression": "#pk = :pk AND begins_with(#sk, :sk)",
               "expressionAttributeNames": {"#pk": "gsi1pk", "#sk": "gsi1sk"},
               "expressionAttributeValues": {":pk": "HIDDEN_DUE_TO_SECURITY_REASONS", ":sk": "HIDDEN_DUE_TO_SECURITY_REASONS"},
               "limit": 100}
    elif name == "PutItem":
        req["item"] = {k: "HIDDEN_DUE_TO_SECURITY_REASONS" for k in ("pk", "sk", "status", "payload", "ttl")}
        del req["key"]
    res = [{"accountId": a.id, "type": "AWS::DynamoDB::Table", "ARN": f"arn:aws:dynamodb:{region}:{a.id}:table/{table}"}]
    return req, None, {"ro": name != "PutItem", "cat": "Data", "res": res}


def ev_logs(rng, a, region, name):
    lg = rng.choice(LOG_GROUPS)
    if name == "CreateLogStream":
        return {"logGroupName": lg, "logStreamName": f"2026/02/{rng.randint(10, 28)}/[$LATEST]{hexs(rng, 32)}"}, None, {"ro": False}
    return {"logGroupNamePrefix": lg.rsplit("/", 1)[0], "limit": 50}, None, {"ro": True}


def ev_iam(rng, a, region, name):
    role = rng.choice(a.roles)[0]
    if name == "GetRole":
        return {"roleName": role}, None, {"ro": True}
    if name == "ListAttachedRolePolicies":
        return {"roleName": role, "maxItems": 100}, None, {"ro": True}
    if name == "GetPolicyVersion":
        return {"policyArn": f"arn:aws:iam::{a.id}:policy/{role}-policy", "versionId": f"v{rng.randint(1, 5)}"}, None, {"ro": True}
    if name == "ListRoles":
        return {"maxItems": 1000}, None, {"ro": True}
    stmts = [{"Effect": "Allow", "Action": rng.sample(["s3:GetObject", "s3:PutObject", "s3:ListBucket", "kms:Decrypt",
                                                       "dynamodb:GetItem", "dynamodb:Query", "sqs:SendMessage",
                                                       "logs:PutLogEvents", "ssm:GetParameter"], 4),
              "Resource": [f"arn:aws:s3:::{b}/*" for b in rng.sample(a.buckets, 3)]} for _ in range(rng.randint(2, 5))]
    doc = json.dumps({"Version": "2012-10-17", "Statement": stmts}, indent=4)
    req = {"policyArn": f"arn:aws:iam::{a.id}:policy/{role}-policy", "policyDocument": doc, "setAsDefault": True}
    return req, {"policyVersion": {"versionId": f"v{rng.randint(2, 5)}", "isDefaultVersion": True,
                                   "createDate": "Feb 2, 2026, 3:04:05 PM"}}, {"ro": False}


def ev_cfn(rng, a, region, name):
    stack = rng.choice(STACKS)
    sid = f"arn:aws:cloudformation:{region}:{a.id}:stack/{stack}/{uuid4(rng)}"
    if name in ("DescribeStacks", "DescribeStackEvents"):
        return {"stackName": sid if rng.random() < 0.5 else stack}, None, {"ro": True}
    params = [{"parameterKey": k, "parameterValue": v} for k, v in
              (("Environment", "prod"), ("VpcId", rng.choice(a.vpcs)), ("SubnetIds", ",".join(rng.sample(a.subnets, 3))),
               ("InstanceType", "m7i.large"), ("DesiredCapacity", str(rng.randint(2, 9))), ("ImageId", rng.choice(a.amis)))]
    req = {"stackName": stack, "templateURL": f"https://cfn-templates-{a.id}.s3.amazonaws.com/{stack}/{hexs(rng, 32)}.template",
           "parameters": params, "capabilities": ["CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
           "tags": [{"key": "team", "value": "platform"}, {"key": "managed-by", "value": "cloudformation"}],
           "clientRequestToken": "Console-" + name + "-" + uuid4(rng)}
    return req, {"stackId": sid}, {"ro": False}


def ev_ssm(rng, a, region, name):
    if name == "UpdateInstanceInformation":
        iid = rng.choice(a.instances)
        req = {"instanceId": iid, "agentVersion": "3.3.1142.0", "agentStatus": "Active",
               "platformType": "Linux", "platformName": "Amazon Linux", "platformVersion": "2023",
               "iPAddress": f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
               "computerName": f"ip-10-0-{rng.randrange(256)}-{rng.randrange(256)}.{region}.compute.internal",
               "agentName": "amazon-ssm-agent", "availabilityZone": region + rng.choice("abc"),
               "availabilityZoneId": "use1-az" + str(rng.randint(1, 6))}
        return req, None, {"ro": False}
    if name == "GetParameters":
        return {"names": rng.sample(PARAMS, 3), "withDecryption": True}, None, {"ro": True}
    return {"name": rng.choice(PARAMS), "withDecryption": rng.random() < 0.5}, None, {"ro": True}


def ev_monitoring(rng, a, region, name):
    if name == "PutMetricAlarm":
        req = {"alarmName": f"{rng.choice(FUNCTIONS)}-errors", "alarmActions": [f"arn:aws:sns:{region}:{a.id}:alerts"],
               "metricName": "Errors", "namespace": "AWS/Lambda", "statistic": "Sum", "period": 300,
               "evaluationPeriods": 1, "threshold": 1.0, "comparisonOperator": "GreaterThanOrEqualToThreshold",
               "dimensions": [{"name": "FunctionName", "value": rng.choice(FUNCTIONS)}], "treatMissingData": "notBreaching"}
        return req, None, {"ro": False}
    if name == "DescribeAlarms":
        return {"maxRecords": 100, "alarmTypes": ["CompositeAlarm", "MetricAlarm"]}, None, {"ro": True}
    q = [{"id": f"m{i}", "metricStat": {"metric": {"namespace": "AWS/EC2", "metricName": "CPUUtilization",
                                                   "dimensions": [{"name": "InstanceId", "value": rng.choice(a.instances)}]},
                                        "period": 60, "stat": "Average"}, "returnData": True} for i in range(rng.randint(1, 4))]
    return {"metricDataQueries": q, "startTime": "Feb 3, 2026, 4:00:00 AM", "endTime": "Feb 3, 2026, 5:00:00 AM"}, None, {"ro": True}


def ev_secrets(rng, a, region, name):
    arn = f"arn:aws:secretsmanager:{region}:{a.id}:secret:{rng.choice(SECRETS)}-{b32(rng, 6)}"
    return {"secretId": arn}, None, {"ro": True, "res": [{"accountId": a.id, "type": "AWS::SecretsManager::Secret", "ARN": arn}]}


def ev_ecr(rng, a, region, name):
    if name == "GetAuthorizationToken":
        return None, None, {"ro": True}
    repo = rng.choice(["api", "worker", "orders", "base-images/python"])
    return ({"repositoryName": repo, "registryId": a.id, "imageIds": [{"imageDigest": "sha256:" + hexs(rng, 64)}],
             "acceptedMediaTypes": ["application/vnd.docker.distribution.manifest.v2+json",
                                    "application/vnd.oci.image.manifest.v1+json"]},
            None, {"ro": True, "res": [{"accountId": a.id, "ARN": f"arn:aws:ecr:{region}:{a.id}:repository/{repo}"}]})


def ev_elb(rng, a, region, name):
    tg = f"arn:aws:elasticloadbalancing:{region}:{a.id}:targetgroup/{rng.choice(['api', 'web', 'admin'])}-tg/{hexs(rng, 16)}"
    return {"targetGroupArn": tg}, None, {"ro": True}


def ev_autoscaling(rng, a, region, name):
    return {"autoScalingGroupNames": ["asg-" + hexs(rng, 8)], "maxRecords": 100}, None, {"ro": True}


def ev_config(rng, a, region, name):
    evals = [{"complianceResourceType": "AWS::EC2::Instance", "complianceResourceId": i,
              "complianceType": rng.choice(["COMPLIANT", "NON_COMPLIANT"]),
              "orderingTimestamp": "Feb 3, 2026, 4:05:06 AM"} for i in rng.sample(a.instances, rng.randint(1, 5))]
    return {"evaluations": evals, "resultToken": token(rng, 300), "testMode": False}, {"failedEvaluations": []}, {"ro": False}


def ev_organizations(rng, a, region, name):
    # Decoy: the organization's root ("Root", type "ROOT") appears in the response.
    acct = rng.choice(accounts_current)
    if name == "ListRoots":
        resp = {"roots": [{"id": acct.org_root, "arn": f"arn:aws:organizations::{acct.id}:root/{acct.org_id}/{acct.org_root}",
                           "name": "Root", "policyTypes": [{"type": "SERVICE_CONTROL_POLICY", "status": "ENABLED"}]}]}
        return None, resp, {"ro": True, "decoy": "org_root"}
    if name == "ListTargetsForPolicy":
        resp = {"targets": [{"targetId": acct.org_root, "arn": f"arn:aws:organizations::{acct.id}:root/{acct.org_id}/{acct.org_root}",
                             "name": "Root", "type": "ROOT"}]}
        return {"policyId": "p-" + hexs(rng, 8)}, resp, {"ro": True, "decoy": "org_root"}
    return {"parentId": acct.org_root}, None, {"ro": True, "decoy": "org_root"}


def ev_health(rng, a, region, name):
    return {"filter": {"eventStatusCodes": ["open", "upcoming"]}}, None, {"ro": True}


# (weight, eventSource, eventNames, builder, invokers for AWSService callers ([] = none),
#  identity types allowed)
CATALOG = [
    (9.0, "ec2.amazonaws.com", ["DescribeInstances", "DescribeSecurityGroups", "DescribeSubnets",
                                "DescribeNetworkInterfaces", "DescribeVolumes", "DescribeVpcs"], ev_ec2_describe,
     ["autoscaling.amazonaws.com", "elasticloadbalancing.amazonaws.com", "eks.amazonaws.com"]),
    (0.4, "ec2.amazonaws.com", ["RunInstances"], ev_ec2_run, ["autoscaling.amazonaws.com"]),
    (1.5, "ec2.amazonaws.com", ["CreateTags"], ev_ec2_tags, []),
    (12.0, "s3.amazonaws.com", ["GetObject", "GetObject", "PutObject", "HeadObject"], ev_s3_object,
     ["athena.amazonaws.com", "cloudtrail.amazonaws.com", "config.amazonaws.com"]),
    (4.0, "s3.amazonaws.com", ["ListBuckets", "GetBucketAcl", "GetBucketPolicy", "GetBucketLocation",
                               "GetBucketEncryption"], ev_s3_bucket, ["config.amazonaws.com", "access-analyzer.amazonaws.com"]),
    (8.0, "sts.amazonaws.com", ["AssumeRole"], ev_sts_assume_role,
     ["lambda.amazonaws.com", "ecs-tasks.amazonaws.com", "ec2.amazonaws.com", "sso.amazonaws.com"]),
    (2.0, "sts.amazonaws.com", ["GetCallerIdentity", "GetSessionToken"], ev_sts_misc, []),
    (0.02, "sts.amazonaws.com", ["AssumeRoot"], ev_sts_assume_root, []),
    (10.0, "kms.amazonaws.com", ["Decrypt", "Decrypt", "GenerateDataKey", "Encrypt"], ev_kms,
     ["s3.amazonaws.com", "secretsmanager.amazonaws.com", "lambda.amazonaws.com", "logs.amazonaws.com"]),
    (3.0, "lambda.amazonaws.com", ["Invoke", "Invoke", "GetFunction20150331v2"], ev_lambda, ["apigateway.amazonaws.com", "events.amazonaws.com"]),
    (0.3, "lambda.amazonaws.com", ["UpdateFunctionCode20150331v2"], ev_lambda, []),
    (5.0, "dynamodb.amazonaws.com", ["GetItem", "GetItem", "PutItem", "Query"], ev_dynamodb, ["lambda.amazonaws.com"]),
    (3.0, "logs.amazonaws.com", ["CreateLogStream", "DescribeLogGroups"], ev_logs, ["lambda.amazonaws.com"]),
    (4.0, "iam.amazonaws.com", ["GetRole", "ListAttachedRolePolicies", "GetPolicyVersion", "ListRoles"], ev_iam,
     ["config.amazonaws.com", "access-analyzer.amazonaws.com"]),
    (0.3, "iam.amazonaws.com", ["CreatePolicyVersion"], ev_iam, []),
    (2.0, "cloudformation.amazonaws.com", ["DescribeStacks", "DescribeStackEvents"], ev_cfn, []),
    (0.2, "cloudformation.amazonaws.com", ["CreateStack", "UpdateStack"], ev_cfn, []),
    (6.0, "ssm.amazonaws.com", ["UpdateInstanceInformation", "GetParameter", "GetParameters"], ev_ssm, []),
    (2.0, "monitoring.amazonaws.com", ["GetMetricData", "DescribeAlarms"], ev_monitoring, ["autoscaling.amazonaws.com"]),
    (0.2, "monitoring.amazonaws.com", ["PutMetricAlarm"], ev_monitoring, []),
    (2.0, "secretsmanager.amazonaws.com", ["GetSecretValue"], ev_secrets, ["lambda.amazonaws.com"]),
    (2.0, "ecr.amazonaws.com", ["GetAuthorizationToken", "BatchGetImage"], ev_ecr, ["ecs-tasks.amazonaws.com", "eks.amazonaws.com"]),
    (1.0, "elasticloadbalancing.amazonaws.com", ["DescribeTargetHealth"], ev_elb, ["ecs.amazonaws.com"]),
    (1.0, "autoscaling.amazonaws.com", ["DescribeAutoScalingGroups"], ev_autoscaling, ["eks.amazonaws.com"]),
    (1.0, "config.amazonaws.com", ["PutEvaluations"], ev_config, ["config.amazonaws.com"]),
    (0.3, "health.amazonaws.com", ["DescribeEventAggregates"], ev_health, ["health.amazonaws.com"]),
    (0.2, "organizations.amazonaws.com", ["ListRoots", "ListTargetsForPolicy", "ListAccountsForParent"],
     ev_organizations, []),
]
CAT_CUM = []
_acc = 0.0
for _e in CATALOG:
    _acc += _e[0]
    CAT_CUM.append(_acc)
del _acc, _e

accounts_current: list[Account] = []   # set per worker; used by decoys naming other accounts


GLOBAL_SOURCES = {"iam.amazonaws.com", "organizations.amazonaws.com"}


def event_version(rng: random.Random) -> str:
    x = rng.random()
    return "1.10" if x < 0.75 else "1.08" if x < 0.95 else "1.09"


ERRORS = [("AccessDenied", "User: {arn} is not authorized to perform: {action} on resource: {res} because no identity-based policy allows the {action} action"),
          ("ThrottlingException", "Rate exceeded"),
          ("ResourceNotFoundException", "Requested resource not found"),
          ("ValidationException", "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null"),
          ("Client.UnauthorizedOperation", "You are not authorized to perform this operation. User: {arn} is not authorized to perform: {action} with an explicit deny in a service control policy. Encoded authorization failure message: {enc}")]


def identity(rng: random.Random, a: Account, t: int, invokers: list[str]):
    """A non-root caller: (userIdentity, sourceIPAddress, userAgent or None, is_service, arn)."""
    x = rng.random()
    if invokers and x < 0.3:
        inv = rng.choice(invokers)
        return {"type": "AWSService", "invokedBy": inv}, inv, inv, True, inv
    if x < 0.5:
        if rng.random() < 0.002:
            # Decoy: an IAM user called "root" is not the root user.
            name, aid, key = "root", "AIDA" + b32(rng, 17), "AKIA" + b32(rng, 16)
        else:
            name, aid, key = rng.choice(a.users)
        arn = f"arn:aws:iam::{a.id}:user/{name}"
        return ({"type": "IAMUser", "principalId": aid, "arn": arn, "accountId": a.id, "accessKeyId": key,
                 "userName": name}, rng.choice(a.office_ips + a.nat_ips), None, False, arn)
    role, rid = rng.choice(a.roles)
    sso = role.startswith("AWSReservedSSO_")
    sess = rng.choice(SSO_USERS) if sso else rng.choice(["i-0" + hexs(rng, 16), "botocore-session-" + str(t - 3600),
                                                          "GitHubActions", rng.choice(FUNCTIONS), "terraform"])
    arn = f"arn:aws:sts::{a.id}:assumed-role/{role}/{sess}"
    ui = {"type": "AssumedRole", "principalId": f"{rid}:{sess}", "arn": arn, "accountId": a.id,
          "accessKeyId": "ASIA" + b32(rng, 16),
          "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": rid,
                                               "arn": f"arn:aws:iam::{a.id}:role/{'aws-reserved/sso.amazonaws.com/' if sso else ''}{role}",
                                               "accountId": a.id, "userName": role},
                             "attributes": {"creationDate": ts(t - rng.randrange(10, 3600)),
                                            "mfaAuthenticated": "false"}}}
    if rng.random() < 0.3:
        ui["sessionContext"]["ec2RoleDelivery"] = "2.0"
    if rng.random() < 0.1:
        ui["inScopeOf"] = {"issuerType": "AWS::Lambda::Function", "credentialsIssuedTo":
                           f"arn:aws:lambda:us-east-1:{a.id}:function:{rng.choice(FUNCTIONS)}"}
    return ui, rng.choice(a.nat_ips + a.office_ips), None, False, arn


def assemble(rng, a, region, t, ui, src, name, ip, ua, req, resp, ex, err=None, etype="AwsApiCall",
             console=False):
    rec = {"eventVersion": event_version(rng), "userIdentity": ui, "eventTime": ts(t), "eventSource": src,
           "eventName": name, "awsRegion": region, "sourceIPAddress": ip, "userAgent": ua}
    if err:
        code, msg = err
        if code:
            rec["errorCode"] = code
        rec["errorMessage"] = msg
    rec["requestParameters"] = req
    rec["responseElements"] = resp
    if ex.get("aed") is not None:
        rec["additionalEventData"] = ex["aed"]
    if not ex.get("norid"):
        rec["requestID"] = ex.get("rid") or uuid4(rng)
    rec["eventID"] = uuid4(rng)
    rec["readOnly"] = ex.get("ro", False)
    if ex.get("res"):
        rec["resources"] = ex["res"]
    rec["eventType"] = etype
    cat = ex.get("cat", "Management")
    rec["managementEvent"] = cat == "Management"
    rec["recipientAccountId"] = a.id
    if ex.get("shared"):
        rec["sharedEventID"] = ex["shared"]
    rec["eventCategory"] = cat
    if ex.get("tls", True) and ui.get("type") != "AWSService" and not ui.get("invokedBy"):
        host = ex.get("host") or (src if src in GLOBAL_SOURCES else f"{src.split('.')[0]}.{region}.amazonaws.com")
        tls13 = rng.random() < 0.8
        rec["tlsDetails"] = {"tlsVersion": "TLSv1.3" if tls13 else "TLSv1.2",
                             "cipherSuite": "TLS_AES_128_GCM_SHA256" if tls13 else "ECDHE-RSA-AES128-GCM-SHA256",
                             "clientProvidedHostHeader": host}
    if console:
        rec["sessionCredentialFromConsole"] = "true"
    return rec


def non_root_record(rng: random.Random, a: Account, region: str, t: int):
    x = rng.random() * CAT_CUM[-1]
    lo, hi = 0, len(CAT_CUM) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if CAT_CUM[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    _, src, names, fn, invokers = CATALOG[lo]
    name = rng.choice(names)
    if src in GLOBAL_SOURCES:
        region = "us-east-1"   # global services record their events in us-east-1
    req, resp, ex = fn(rng, a, region, name)
    ui, ip, ua, svc, arn = identity(rng, a, t, invokers)
    if ua is None:
        ua = ua_prog(rng, src.split(".")[0])
        if not svc and rng.random() < 0.08:
            ua = "AWS Internal" if rng.random() < 0.5 else rng.choice(UA_BROWSER)
    err = None
    if rng.random() < 0.04 and not svc:
        code, msg = rng.choice(ERRORS)
        err = (code, msg.format(arn=arn, action=f"{src.split('.')[0]}:{name}",
                                res=f"arn:aws:{src.split('.')[0]}:{region}:{a.id}:*", enc=token(rng, 180)))
        resp = None
    etype = "AwsServiceEvent" if svc and src in ("health.amazonaws.com",) else "AwsApiCall"
    return assemble(rng, a, region, t, ui, src, name, ip, ua, req, resp, ex, err, etype), ex.get("decoy")


def console_sign_in(rng, a, region, t):
    """A non-root console sign-in: an IAM user, or an IAM Identity Center (SSO) role session."""
    if rng.random() < 0.5:
        name, aid, _ = rng.choice(a.users)
        ui = {"type": "IAMUser", "principalId": aid, "arn": f"arn:aws:iam::{a.id}:user/{name}", "accountId": a.id,
              "userName": name}
    else:
        role, rid = rng.choice([r for r in a.roles if r[0].startswith("AWSReservedSSO_")])
        u = rng.choice(SSO_USERS)
        ui = {"type": "AssumedRole", "principalId": f"{rid}:{u}", "arn": f"arn:aws:sts::{a.id}:assumed-role/{role}/{u}",
              "accountId": a.id}
    aed = {"LoginTo": "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true",
           "MobileVersion": "No", "MFAUsed": "Yes" if rng.random() < 0.8 else "No"}
    return assemble(rng, a, region, t, ui, "signin.amazonaws.com", "ConsoleLogin", rng.choice(a.office_ips),
                    rng.choice(UA_BROWSER), None, {"ConsoleLogin": "Success"}, {"aed": aed, "norid": True, "tls": False},
                    etype="AwsConsoleSignIn")


# --------------------------------------------------------------------------------------------
# Root events.

ROOT_CONSOLE_ACTIONS = {
    "global": [("iam.amazonaws.com", "ListUsers", True, None), ("iam.amazonaws.com", "GetAccountSummary", True, None),
               ("iam.amazonaws.com", "CreateUser", False, "user"), ("iam.amazonaws.com", "ListMFADevices", True, None),
               ("account.amazonaws.com", "PutAlternateContact", False, "contact"),
               ("billingconsole.amazonaws.com", "GetBillingPreferences", True, None),
               ("health.amazonaws.com", "DescribeEventAggregates", True, None)],
    "regional": [("ec2.amazonaws.com", "DescribeInstances", True, None), ("s3.amazonaws.com", "ListBuckets", True, None),
                 ("ce.amazonaws.com", "GetCostAndUsage", True, None), ("ec2.amazonaws.com", "DescribeRegions", True, None),
                 ("cloudtrail.amazonaws.com", "DescribeTrails", True, None)],
}
ROOT_PROG_ACTIONS = [("s3.amazonaws.com", "ListBuckets", True), ("sts.amazonaws.com", "GetCallerIdentity", True),
                     ("ec2.amazonaws.com", "DescribeInstances", True), ("iam.amazonaws.com", "ListAccessKeys", True),
                     ("iam.amazonaws.com", "CreateAccessKey", False), ("s3.amazonaws.com", "PutBucketPolicy", False)]
ROOT_ASSUMED_ACTIONS = [("iam.amazonaws.com", "GetLoginProfile", True), ("iam.amazonaws.com", "DeleteLoginProfile", False),
                        ("iam.amazonaws.com", "ListAccessKeys", True), ("iam.amazonaws.com", "DeleteAccessKey", False),
                        ("iam.amazonaws.com", "ListMFADevices", True), ("iam.amazonaws.com", "DeactivateMFADevice", False),
                        ("s3.amazonaws.com", "DeleteBucketPolicy", False), ("sqs.amazonaws.com", "SetQueueAttributes", False)]


def root_ident(a: Account) -> dict:
    return {"type": "Root", "principalId": a.id, "arn": f"arn:aws:iam::{a.id}:root", "accountId": a.id}


def root_record(rng: random.Random, a: Account, region: str, t: int, kind: str):
    """A record whose userIdentity.type is Root. Returns (record, failed sign-in, invokedBy or None)."""
    ui = root_ident(a)
    ip = rng.choice(a.office_ips + [public_ip(rng)])
    if kind == "console_sign_in":
        ok = rng.random() < 0.7
        aed = {"LoginTo": "https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB",
               "MobileVersion": "No", "MFAUsed": "Yes" if ok and rng.random() < 0.85 else "No"}
        if aed["MFAUsed"] == "Yes":
            aed["MfaType"] = rng.choice(["U2F", "Virtual"])
        rec = assemble(rng, a, region, t, ui, "signin.amazonaws.com", "ConsoleLogin", ip, rng.choice(UA_BROWSER),
                       None, {"ConsoleLogin": "Success" if ok else "Failure"},
                       {"aed": aed, "norid": True, "tls": False},
                       err=None if ok else (None, "Failed authentication"),  # no errorCode on a failed sign-in
                       etype="AwsConsoleSignIn")
        return rec, not ok, None
    if kind == "console_action":
        pool = ROOT_CONSOLE_ACTIONS["global" if region == "us-east-1" and rng.random() < 0.6 else "regional"]
        src, name, ro, what = rng.choice(pool)
        ui["accessKeyId"] = "ASIA" + b32(rng, 16)
        ui["sessionContext"] = {"sessionIssuer": {}, "webIdFederationData": {},
                                "attributes": {"creationDate": ts(t - rng.randrange(30, 3000)), "mfaAuthenticated": "true"}}
        req = resp = None
        if what == "user":
            uname = "breakglass-" + hexs(rng, 4)
            req = {"userName": uname}
            resp = {"user": {"path": "/", "userName": uname, "userId": "AIDA" + b32(rng, 17),
                             "arn": f"arn:aws:iam::{a.id}:user/{uname}", "createDate": "Mar 1, 2026, 10:03:11 AM"}}
        elif what == "contact":
            req = {"alternateContactType": "SECURITY", "emailAddress": "HIDDEN_DUE_TO_SECURITY_REASONS",
                   "name": "HIDDEN_DUE_TO_SECURITY_REASONS", "phoneNumber": "HIDDEN_DUE_TO_SECURITY_REASONS",
                   "title": "HIDDEN_DUE_TO_SECURITY_REASONS"}
        rec = assemble(rng, a, region, t, ui, src, name, ip, "AWS Internal" if rng.random() < 0.5 else rng.choice(UA_BROWSER),
                       req, resp, {"ro": ro}, console=True)
        return rec, False, None
    if kind == "programmatic":
        src, name, ro = rng.choice(ROOT_PROG_ACTIONS)
        ui["accessKeyId"] = a.root_key
        req = {"Host": f"s3.{region}.amazonaws.com"} if name == "ListBuckets" else (
            {"bucketName": rng.choice(a.buckets), "bucketPolicy": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}, "policy": ""} if name == "PutBucketPolicy" else None)
        resp = {"accessKey": {"userName": "root", "accessKeyId": "AKIA" + b32(rng, 16), "status": "Active",
                              "createDate": "Feb 3, 2026, 4:05:06 AM"}} if name == "CreateAccessKey" else None
        err = ("AccessDenied", "Access Denied") if rng.random() < 0.05 else None
        rec = assemble(rng, a, region if not src.startswith("iam") else "us-east-1", t, ui, src, name, ip,
                       ua_prog(rng, src.split(".")[0]), req, None if err else resp, {"ro": ro}, err=err)
        return rec, False, None
    if kind == "assume_root_session":
        src, name, ro = rng.choice(ROOT_ASSUMED_ACTIONS)
        ui["accessKeyId"] = "ASIA" + b32(rng, 16)
        ui["sessionContext"] = {"attributes": {"creationDate": ts(t - rng.randrange(5, 800)), "mfaAuthenticated": "false"},
                                "assumedRoot": "true"}
        req = None
        if name in ("DeleteAccessKey",):
            req = {"accessKeyId": "AKIA" + b32(rng, 16)}
        elif name == "DeactivateMFADevice":
            req = {"serialNumber": f"arn:aws:iam::{a.id}:mfa/root-account-mfa-device"}
        elif name == "DeleteBucketPolicy":
            req = {"bucketName": rng.choice(a.buckets), "Host": f"s3.{region}.amazonaws.com", "policy": ""}
        elif name == "SetQueueAttributes":
            req = {"queueUrl": f"https://sqs.{region}.amazonaws.com/{a.id}/orders", "attributes": {"Policy": ""}}
        rec = assemble(rng, a, "us-east-1" if src.startswith("iam") else region, t, ui, src, name,
                       rng.choice(a.office_ips), ua_prog(rng, src.split(".")[0]), req, None, {"ro": ro})
        return rec, False, None
    # service: an AWS service acting on root's behalf.
    if rng.random() < 0.7:
        inv = "support.amazonaws.com"
        ui["invokedBy"] = inv
        rec = assemble(rng, a, "us-east-1", t, ui, inv, rng.choice(["DescribeTrustedAdvisorChecks",
                                                                   "DescribeTrustedAdvisorCheckResult",
                                                                   "RefreshTrustedAdvisorCheck"]),
                       inv, inv, None, None, {"ro": True}, etype="AwsServiceEvent")
    else:
        inv = "cloudformation.amazonaws.com"
        ui["invokedBy"] = inv
        ui["accessKeyId"] = "ASIA" + b32(rng, 16)
        rec = assemble(rng, a, region, t, ui, "ec2.amazonaws.com", "CreateSecurityGroup", inv, inv,
                       {"groupName": "web-" + hexs(rng, 4), "groupDescription": "web tier", "vpcId": rng.choice(a.vpcs)},
                       {"requestId": uuid4(rng), "_return": True, "groupId": "sg-0" + hexs(rng, 16)}, {"ro": False})
    return rec, False, inv


# --------------------------------------------------------------------------------------------
# Files


def plan_file(seed: int, idx: int):
    """What file number idx holds: (rng, account, region, delivery time, record count, relative path)."""
    rng = random.Random(f"{seed}/file/{idx}")
    accts = accounts(seed)
    # A few busy accounts, many quiet ones.
    a = accts[min(int(rng.expovariate(1 / 5.0)), N_ACCOUNTS - 1)]
    region = rng.choices(REGIONS, REGION_WEIGHTS)[0]
    # Delivery times on 5-minute marks, at least 30 minutes after START so events stay in range.
    slots = (END - START - 1800) // 300
    t = START + 1800 + rng.randrange(slots) * 300
    n = rng.randint(MIN_RECORDS, MAX_RECORDS)
    g = time.gmtime(t)
    day = time.strftime("%Y/%m/%d", g)
    stamp = time.strftime("%Y%m%dT%H%MZ", g)
    suffix = "".join(rng.choices(ALNUM, k=16))
    rel = f"AWSLogs/{a.id}/CloudTrail/{region}/{day}/{a.id}_CloudTrail_{region}_{stamp}_{suffix}.json.gz"
    return rng, a, region, t, n, rel


def gen_file(job: tuple[str, int, int]) -> dict:
    out_dir, seed, idx = job
    global accounts_current
    accounts_current = accounts(seed)
    rng, a, region, t_file, n, rel = plan_file(seed, idx)
    records = []
    root = collections.Counter()
    decoys = collections.Counter()
    failures = 0
    invokers = collections.Counter()
    for _ in range(n):
        t = max(START, t_file - rng.randrange(1, 900))
        x = rng.random()
        if x < ROOT_RATE:
            kind = rng.choices(ROOT_KINDS, ROOT_KIND_WEIGHTS)[0]
            rec, failed, inv = root_record(rng, a, region, t, kind)
            root[kind] += 1
            failures += failed
            if inv:
                invokers[inv] += 1
        elif x < ROOT_RATE + 0.003:
            rec = console_sign_in(rng, a, region, t)
        else:
            rec, decoy = non_root_record(rng, a, region, t)
            if decoy:
                decoys[decoy] += 1
            if rec["userIdentity"].get("userName") == "root":
                decoys["iam_user_named_root"] += 1
        records.append(rec)
    data = json.dumps({"Records": records}, separators=(",", ":")).encode()
    gz = gzip.compress(data, compresslevel=6, mtime=0)
    path = os.path.join(out_dir, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "wb") as f:
        f.write(gz)
    os.replace(path + ".tmp", path)
    return {"rel": rel, "account": a.id, "records": n, "bytes_uncompressed": len(data), "bytes_compressed": len(gz),
            "root": dict(root), "failures": failures, "invokers": dict(invokers), "decoys": dict(decoys)}


def dataset_params(gb: float, seed: int) -> dict:
    return {"generator_version": GENERATOR_VERSION, "gb": gb, "seed": seed}


def log_files(d: str) -> list[str]:
    out = []
    for dirpath, _, files in os.walk(os.path.join(d, "AWSLogs")):
        out.extend(os.path.join(dirpath, f) for f in files if f.endswith(".json.gz"))
    out.sort()
    return out


def cached_manifest(d: str, params: dict) -> dict | None:
    mpath = os.path.join(d, "manifest.json")
    try:
        with open(mpath) as f:
            m = json.load(f)
    except (OSError, ValueError):
        return None
    if m.get("params") != params:
        return None
    files = log_files(d)
    if len(files) != m.get("files") or sum(os.path.getsize(p) for p in files) != m.get("bytes_compressed"):
        warn(f"{d}: the files on disk do not match manifest.json; regenerating")
        return None
    return m


def generate(d: str, gb: float, seed: int, workers: int, force: bool) -> dict:
    params = dataset_params(gb, seed)
    if not force:
        m = cached_manifest(d, params)
        if m is not None:
            log(f"using cached data set in {d} ({m['files']} files, {m['bytes_uncompressed'] / 1e9:.3f} GB uncompressed)")
            return m
    if os.path.exists(d):
        if not os.path.isdir(d):
            raise SystemExit(f"error: {d} exists and is not a directory")
        entries = set(os.listdir(d))
        foreign = sorted(entries - {"AWSLogs", "manifest.json", MARKER})
        if foreign or (entries and MARKER not in entries):
            what = ", ".join(foreign[:5]) if foreign else ", ".join(sorted(entries))
            raise SystemExit(f"error: {d} is not empty and was not written by this script ({what}); "
                             "refusing to delete it. Pick another --dir or remove it yourself.")
        log(f"removing stale data set in {d}")
        if os.path.exists(os.path.join(d, "manifest.json")):
            os.remove(os.path.join(d, "manifest.json"))
        shutil.rmtree(os.path.join(d, "AWSLogs"), ignore_errors=True)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, MARKER), "w") as f:
        f.write("Written by bench/activity_logs.py; the whole directory may be deleted and regenerated.\n")

    target = int(gb * 1e9)
    log(f"generating >= {target / 1e9:.3f} GB of CloudTrail JSON into {d} with {workers} processes (seed {seed})")
    started = time.monotonic()
    totals = {"files": 0, "records": 0, "bytes_uncompressed": 0, "bytes_compressed": 0}
    root = collections.Counter()
    by_account = collections.Counter()
    invokers = collections.Counter()
    decoys = collections.Counter()
    failures = 0
    next_idx = 0
    pending: collections.deque = collections.deque()
    window = max(2, workers * 3)
    last_report = started
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
        try:
            # Files are consumed in index order, so where generation stops (and so the data set)
            # depends only on the seed and the target, not on scheduling.
            while totals["bytes_uncompressed"] < target:
                while len(pending) < window:
                    pending.append(pool.submit(gen_file, (d, seed, next_idx)))
                    next_idx += 1
                r = pending.popleft().result()
                totals["files"] += 1
                totals["records"] += r["records"]
                totals["bytes_uncompressed"] += r["bytes_uncompressed"]
                totals["bytes_compressed"] += r["bytes_compressed"]
                root.update(r["root"])
                by_account[r["account"]] += sum(r["root"].values())
                invokers.update(r["invokers"])
                decoys.update(r["decoys"])
                failures += r["failures"]
                now = time.monotonic()
                if now - last_report > 5:
                    last_report = now
                    log(f"  {totals['files']} files, {totals['bytes_uncompressed'] / 1e9:.3f} GB, {now - started:.0f}s")
        finally:
            # Files generated past the target (or before an interruption) are not part of the set.
            for f in pending:
                f.cancel()
            for f in pending:
                try:
                    r = f.result()
                except (concurrent.futures.CancelledError, Exception):
                    continue
                try:
                    os.remove(os.path.join(d, r["rel"]))
                except OSError:
                    pass
    elapsed = time.monotonic() - started
    for dirpath, dirs, files in os.walk(os.path.join(d, "AWSLogs"), topdown=False):
        if not dirs and not files:
            try:
                os.rmdir(dirpath)
            except OSError:
                pass
    non_service = sum(root[k] for k in NON_SERVICE)
    manifest = {
        "params": params,
        "seed": seed,
        "layout": "AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_YYYYMMDDTHHMMZ_<random>.json.gz",
        **totals,
        "root_records": {
            "total": sum(root.values()),
            "non_service": non_service,
            "service": root["service"],
            "by_kind": {k: root[k] for k in ROOT_KINDS},
            "console_sign_in_failures": failures,
            "service_by_invoked_by": dict(sorted(invokers.items())),
            "by_account": dict(sorted((k, v) for k, v in by_account.items() if v)),
        },
        "decoys": dict(sorted(decoys.items())),
        "accounts": [a.id for a in accounts(seed)],
        "regions": REGIONS,
        "event_time_range": [ts(START), ts(END - 1)],
        "rootwarden_window": {"until": UNTIL, "days": DAYS},
        "generation_seconds": round(elapsed, 1),
    }
    tmp = os.path.join(d, "manifest.json.tmp")
    with open(tmp, "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    os.replace(tmp, os.path.join(d, "manifest.json"))
    log(f"generated {totals['files']} files, {totals['records']} records, {totals['bytes_uncompressed'] / 1e9:.3f} GB "
        f"uncompressed / {totals['bytes_compressed'] / 1e9:.3f} GB gzip, {manifest['root_records']['total']} root records "
        f"in {elapsed:.1f}s")
    return manifest


# --------------------------------------------------------------------------------------------
# Measurement


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


WARNINGS: list[str] = []


def warn(msg: str) -> None:
    WARNINGS.append(msg)
    print(f"WARNING: {msg}", file=sys.stderr, flush=True)


def timed(cmd: list[str], capture_stdout: bool = False) -> dict:
    """Runs cmd; wall time, exit code, CPU time and peak RSS (from wait4), stdout, stderr tail."""
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out if capture_stdout else subprocess.DEVNULL,
                                    stderr=err)
        except OSError as e:
            raise SystemExit(f"error: cannot run {cmd[0]}: {e}")
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except KeyboardInterrupt:
            proc.kill()
            proc.wait()
            raise
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return {"seconds": wall, "code": proc.returncode, "cpu_seconds": usage.ru_utime + usage.ru_stime,
                "max_rss_mb": usage.ru_maxrss / 1024, "stdout": out.read().decode(errors="replace"),
                "stderr": err.read().decode(errors="replace")[-3000:]}


def number(v) -> int | None:
    """A count from the report: an integer, or a map of counts (summed)."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, dict) and all(isinstance(x, int) for x in v.values()):
        return sum(v.values())
    return None


def check_report(report, manifest: dict) -> tuple[dict, dict, list[str]]:
    """The report's stats, the compared counts {key: (found, expected)}, and what is wrong."""
    problems = []
    stats = report.get("stats") if isinstance(report, dict) else None
    if not isinstance(stats, dict):
        keys = ", ".join(report) if isinstance(report, dict) else type(report).__name__
        problems.append(f"the report has no `stats` object (top-level keys: {keys})")
        stats = {}
    rr = manifest["root_records"]
    checks = {"records": (number(stats.get("records")), manifest["records"]),
              "bytes_uncompressed": (number(stats.get("bytes_uncompressed")), manifest["bytes_uncompressed"]),
              "root_events": (number(stats.get("root_events")), rr["non_service"]),
              "service_events": (number(stats.get("service_events")), rr["service"])}
    for key, (got, want) in checks.items():
        if got is None:
            problems.append(f"the report has no numeric stats.{key} (expected {want})")
        elif got != want:
            problems.append(f"stats.{key} = {got}, but the data set has {want} (MISMATCH)")
    # Counts outside the table that must match or be zero, when the report has them.
    for key, want in (("files", manifest["files"]), ("files_unreadable", 0), ("records_unreadable", 0),
                      ("outside_window", 0)):
        got = stats.get(key)
        if got is not None and got != want:
            problems.append(f"stats.{key} = {got}, expected {want}")
    if isinstance(report, dict) and report.get("problems"):
        problems.append(f"the report lists {len(report['problems'])} problem(s), first: "
                        f"{json.dumps(report['problems'][0])[:300]}")
    return stats, checks, problems


def run_rootwarden(binary: str, d: str, jobs: int, runs: int, manifest: dict, extra: list[str],
                   ok_codes: set[int]) -> dict:
    times, cpu, rss = [], [], []
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="rw-activity-bench-") as tmp:
        out = os.path.join(tmp, "out.json")
        # DIR/AWSLogs, not DIR: rootwarden reads *.json files too, and would take DIR/manifest.json
        # for a (broken) log file, adding its bytes and a file problem to the counts.
        cmd = [binary, "activity", "--logs", os.path.join(d, "AWSLogs"), "--until", UNTIL, "--days", str(DAYS),
               "--concurrency", str(jobs), "-o", f"json={out}", *extra]
        log(f"  $ {shlex.join(cmd)}")
        for i in range(runs):
            if os.path.exists(out):
                os.remove(out)
            r = timed(cmd)
            if r["code"] not in ok_codes:
                raise SystemExit(f"error: `{shlex.join(cmd)}` exited with {r['code']}:\n{r['stderr']}")
            if not os.path.exists(out):
                raise SystemExit(f"error: `{shlex.join(cmd)}` exited with {r['code']} but wrote no {out}:\n{r['stderr']}")
            times.append(r["seconds"])
            cpu.append(r["cpu_seconds"])
            rss.append(r["max_rss_mb"])
            log(f"  rootwarden --concurrency {jobs} run {i + 1}/{runs}: {r['seconds']:.2f}s (cpu {r['cpu_seconds']:.2f}s, "
                f"peak rss {r['max_rss_mb']:.0f} MB)")
            try:
                with open(out) as f:
                    report = json.load(f)
            except ValueError as e:
                raise SystemExit(f"error: {out} (written by `{shlex.join(cmd)}`) is not JSON: {e}")
            # Every run is checked: a race between workers may show in one run only.
            stats, checks, found = check_report(report, manifest)
            for msg in found:
                if msg not in problems:
                    problems.append(msg)
    for msg in problems:
        warn(f"rootwarden --concurrency {jobs}: {msg}")
    sec = statistics.median(times)
    mbps = manifest["bytes_uncompressed"] / 1e6 / sec
    return {"tool": "rootwarden", "jobs": jobs, "seconds": sec, "runs": times, "mb_per_s": mbps,
            "mb_per_s_per_core": mbps / jobs, "root_events": checks["root_events"][0],
            "service_events": checks["service_events"][0], "cpu_seconds": statistics.median(cpu),
            "max_rss_mb": max(rss), "stats": stats, "checks_ok": not problems}


def run_pipeline(name: str, script: str, manifest: dict, count: bool) -> dict:
    r = timed(["bash", "-c", "set -o pipefail; " + script], capture_stdout=True)
    if r["code"] != 0:
        raise SystemExit(f"error: {name} pipeline exited with {r['code']}:\n{script}\n{r['stderr']}")
    found = None
    if count:
        try:
            found = int(r["stdout"].strip())
        except ValueError:
            raise SystemExit(f"error: {name} pipeline printed {r['stdout'][:200]!r}, not a count")
        want = manifest["root_records"]["total"]
        if found != want:
            warn(f"{name}: found {found} root records, but the data set has {want} (MISMATCH)")
    mbps = manifest["bytes_uncompressed"] / 1e6 / r["seconds"]
    log(f"  {name}: {r['seconds']:.2f}s")
    return {"tool": name, "jobs": 1, "seconds": r["seconds"], "runs": [r["seconds"]], "mb_per_s": mbps,
            "mb_per_s_per_core": mbps, "root_events": found, "service_events": None,
            "cpu_seconds": r["cpu_seconds"], "max_rss_mb": r["max_rss_mb"], "command": script}


def warm_cache(d: str) -> None:
    started = time.monotonic()
    n = 0
    for p in log_files(d):
        with open(p, "rb") as f:
            while chunk := f.read(1 << 20):
                n += len(chunk)
    log(f"read {n / 1e6:.0f} MB of compressed logs to warm the page cache ({time.monotonic() - started:.1f}s)")


def table(results: list[dict], manifest: dict) -> str:
    rr = manifest["root_records"]
    lines = [f"Data set: {manifest['files']} files, {manifest['records']} records, "
             f"{manifest['bytes_uncompressed'] / 1e9:.3f} GB uncompressed ({manifest['bytes_compressed'] / 1e9:.3f} GB gzip); "
             f"root records: {rr['non_service']} root events + {rr['service']} service events = {rr['total']}.",
             "",
             "| tool | jobs | seconds | MB/s | MB/s per core | root events found | CPU s | peak RSS MB |",
             "|---|---:|---:|---:|---:|---|---:|---:|"]
    for r in results:
        if r["tool"] == "rootwarden":
            def show(n):
                return "?" if n is None else str(n)
            found = f"{show(r['root_events'])} (+{show(r['service_events'])} service)"
        elif r["root_events"] is not None:
            found = f"{r['root_events']} (incl. service)"
        else:
            found = "-"
        lines.append(f"| {r['tool']} | {r['jobs']} | {r['seconds']:.2f} | {r['mb_per_s']:.1f} | "
                     f"{r['mb_per_s_per_core']:.1f} | {found} | {r['cpu_seconds']:.2f} | {r['max_rss_mb']:.0f} |")
    return "\n".join(lines)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--gb", type=float, default=1.1, help="uncompressed JSON to generate, in GB (10^9 bytes); default 1.1")
    p.add_argument("--dir", default=DEFAULT_DIR, help=f"data set directory (cached); default {DEFAULT_DIR}")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed; default {DEFAULT_SEED}")
    p.add_argument("--force", action="store_true", help="regenerate even if a matching data set exists")
    p.add_argument("--gen-workers", type=int, default=os.cpu_count() or 1,
                   help="processes generating files; default os.cpu_count()")
    p.add_argument("--generate-only", action="store_true", help="generate (or reuse) the data set and stop")
    p.add_argument("--bin", default=DEFAULT_BIN, help="rootwarden binary; default target/release/rootwarden in the repo")
    p.add_argument("--runs", type=int, default=3, help="runs per rootwarden configuration (median taken); default 3")
    p.add_argument("--jobs", type=int, nargs="+", help="--jobs values to time; default 1 and os.cpu_count()")
    p.add_argument("--extra-args", default="", help="extra arguments for `rootwarden activity` (one shell-quoted string)")
    p.add_argument("--ok-exit", type=int, nargs="+", default=[0, 1],
                   help="exit codes of rootwarden counted as success; default 0 and 1 (1: unapproved root use found)")
    p.add_argument("--no-jq", action="store_true", help="skip the jq and zcat baselines")
    p.add_argument("--json", action="store_true", help="print the results as JSON instead of a Markdown table")
    p.add_argument("--strict", action="store_true", help="exit 2 when a check fails (counts or bytes differ)")
    args = p.parse_args()

    if args.gb <= 0:
        p.error("--gb must be positive")
    if args.runs < 1:
        p.error("--runs must be at least 1")
    if args.gen_workers < 1:
        p.error("--gen-workers must be at least 1")
    d = os.path.abspath(args.dir)
    binary = os.path.abspath(args.bin)
    if not args.generate_only:
        # Fail before a long generation, not after.
        if not os.path.isfile(binary):
            raise SystemExit(f"error: {binary} not found; build it with `cargo build --release` "
                             f"(in {ROOT}) or pass --bin")
        if not os.access(binary, os.X_OK):
            raise SystemExit(f"error: {binary} is not executable")

    manifest = generate(d, args.gb, args.seed, args.gen_workers, args.force)
    if args.generate_only:
        if args.json:
            print(json.dumps(manifest, indent=2))
        return 0

    jobs = args.jobs or sorted({1, os.cpu_count() or 1})
    if any(j < 1 for j in jobs):
        p.error("--jobs values must be at least 1")
    warm_cache(d)
    results = []
    extra = shlex.split(args.extra_args)
    for j in jobs:
        log(f"timing rootwarden activity --concurrency {j} ({args.runs} runs)")
        results.append(run_rootwarden(binary, d, j, args.runs, manifest, extra, set(args.ok_exit)))
    if args.no_jq:
        pass
    elif shutil.which("jq") is None:
        log("jq is not on PATH: skipping the jq and zcat baselines")
    else:
        for tool in ("find", "xargs", "zcat", "wc", "bash"):
            if shutil.which(tool) is None:
                raise SystemExit(f"error: {tool} is not on PATH (needed for the jq baseline)")
        files = f"find {shlex.quote(os.path.join(d, 'AWSLogs'))} -name '*.json.gz' -print0 | xargs -0 zcat"
        log("timing the jq pipeline (once)")
        results.append(run_pipeline("jq", files + " | jq -c '.Records[]? | select(.userIdentity.type==\"Root\")' | wc -l",
                                    manifest, count=True))
        log("timing zcat alone (decompression floor)")
        results.append(run_pipeline("zcat (decompression only)", files + " > /dev/null", manifest, count=False))

    if args.json:
        print(json.dumps({"dataset": {k: manifest[k] for k in ("files", "records", "bytes_uncompressed",
                                                                "bytes_compressed", "root_records", "seed")} | {"dir": d},
                          "binary": binary, "results": results, "warnings": WARNINGS}, indent=2))
    else:
        print(table(results, manifest))
        if WARNINGS:
            print("\nWarnings:\n" + "\n".join(f"- {w}" for w in WARNINGS))
    return 2 if args.strict and WARNINGS else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
