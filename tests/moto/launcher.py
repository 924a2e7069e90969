#!/usr/bin/env python3
"""moto server for rootwarden's integration tests.

    python launcher.py [--port 0] [--host 127.0.0.1] [--verbose]

Starts moto's ThreadedMotoServer in-process on 127.0.0.1, prints exactly one
line ``READY http://127.0.0.1:PORT`` to stdout, then serves until stdin reaches
EOF (when stdin is a pipe, socket or terminal) or SIGTERM/SIGINT arrives.

moto's WSGI application is wrapped with a middleware that adds:

* Smithy RPC v2 CBOR for CloudWatch (``POST /service/GraniteServiceVersion20100801/
  operation/<Op>``), translated to awsJson1_0 for moto and back, shape-directed
  by botocore's service model (timestamps become CBOR tag 1, doubles become
  floats, blobs become byte strings).
* A simulated root user per account (credential report row, account summary,
  root virtual MFA device) configured through ``POST /_rootwarden/root``.
* The credential report as AWS serves it: generated at most every 4 hours, its
  content frozen at generation; ``POST /_rootwarden/credential_report`` holds an
  account's report at an age of your choosing (a report AWS did not regenerate).
* Fault injection (``POST /_rootwarden/deny``) in each service's own protocol.
* A per-account call counter (``GET /_rootwarden/calls``).
* A count of accepted TCP connections (``GET /_rootwarden/connections``).
* ``sts:AssumeRoot`` (centralized root access) and the privileged root sessions
  it opens, limited to their task policy's actions; root's own credentials
  (login profile, access keys, MFA devices, signing certificates) are served
  from the simulated root user.

plus a few moto fixes/additions rootwarden depends on (see README.md):
DescribeAlarms pagination and AlarmTypes, DescribeAlarmHistory, CloudTrail
LookupEvents over an event history seeded with ``POST /_rootwarden/cloudtrail/events``, IAM
ListOrganizationsFeatures / Enable|DisableOrganizationsRoot*, a real
GeneratedTime on the credential report, PutMetricFilter updating a filter of
the same name.
"""

from __future__ import annotations

import argparse
import base64
import calendar
import datetime as dt
import fnmatch
import io
import json
import logging
import os
import re
import signal
import stat
import sys
import threading
import urllib.parse
import time
import uuid
from typing import Any

import cbor2
import botocore.session
from werkzeug.serving import make_server
from werkzeug.test import run_wsgi_app

from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.responses import ActionResult, BaseResponse
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

UTC = dt.timezone.utc
CSV_DATE = "%Y-%m-%dT%H:%M:%S+00:00"
# AWS generates a new credential report only when the last one is older than this.
REPORT_REGENERATION = dt.timedelta(hours=4)

# --------------------------------------------------------------------------
# botocore models (used for the CBOR <-> JSON translation)
# --------------------------------------------------------------------------

_BOTO = botocore.session.get_session()
_MODELS: dict[str, Any] = {}
_MODELS_LOCK = threading.Lock()


def service_model(name: str) -> Any:
    with _MODELS_LOCK:
        if name not in _MODELS:
            _MODELS[name] = _BOTO.get_service_model(name)
        return _MODELS[name]


# Smithy RPC v2 CBOR service names (the `/service/<name>/` path segment) that
# we translate, mapped to the botocore service name and the IAM action prefix.
CBOR_SERVICES = {
    "GraniteServiceVersion20100801": ("cloudwatch", "cloudwatch"),
}

# SigV4 signing name -> IAM action prefix (only where they differ).
SIGNING_TO_PREFIX = {"monitoring": "cloudwatch"}

# Query-protocol error XML namespaces.
QUERY_XMLNS = {
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "sns": "http://sns.amazonaws.com/doc/2010-03-31/",
    "cloudwatch": "http://monitoring.amazonaws.com/doc/2010-08-01/",
}


# --------------------------------------------------------------------------
# Shared state (roots, faults, call counter)
# --------------------------------------------------------------------------


class BadRequest(Exception):
    pass


def _norm_time(value: Any, what: str) -> str:
    """Accept an ISO-8601 timestamp (Z or offset) and render it as AWS's CSV does."""
    if not isinstance(value, str) or not value:
        raise BadRequest(f"{what}: expected an ISO-8601 timestamp string, got {value!r}")
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadRequest(f"{what}: {exc}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).strftime(CSV_DATE)


def _time_or_marker(value: Any, what: str, markers: tuple[str, ...]) -> str:
    if value is None:
        return "N/A"
    if isinstance(value, str) and value in markers:
        return value
    return _norm_time(value, what)


class RootSpec:
    """The simulated root user of one account."""

    DEFAULT_CREATION = "2020-01-01T00:00:00+00:00"

    def __init__(self, body: dict[str, Any]):
        account = body.get("account_id")
        if not isinstance(account, str) or not re.fullmatch(r"\d{12}", account):
            raise BadRequest("account_id: expected a 12-digit string")
        self.account_id = account
        self.mfa = body.get("mfa", "none")
        if self.mfa not in ("none", "virtual", "hardware"):
            raise BadRequest("mfa: expected none | virtual | hardware")
        self.user_creation_time = _norm_time(
            body.get("user_creation_time", self.DEFAULT_CREATION), "user_creation_time"
        )
        self.password_last_used = _time_or_marker(
            body.get("password_last_used", "N/A"),
            "password_last_used",
            ("N/A", "no_information", "not_supported"),
        )
        self.mfa_enable_date = _norm_time(
            body.get("mfa_enable_date", self.user_creation_time), "mfa_enable_date"
        )
        keys = body.get("access_keys", [])
        certs = body.get("certs", [])
        if not isinstance(keys, list) or len(keys) > 2:
            raise BadRequest("access_keys: expected a list of at most 2 entries")
        if not isinstance(certs, list) or len(certs) > 2:
            raise BadRequest("certs: expected a list of at most 2 entries")
        password = body.get("password", True)
        if not isinstance(password, bool):
            raise BadRequest("password: expected true (root has a console password) or false")
        self.password = password
        serial = body.get("mfa_serial")
        if serial is not None and (not isinstance(serial, str) or len(serial) < 9):
            raise BadRequest("mfa_serial: expected an MFA device serial number or ARN")
        if self.mfa == "virtual":
            self.mfa_serial = f"arn:aws:iam::{account}:mfa/root-account-mfa-device"
        else:
            self.mfa_serial = serial or f"GAHT{account[-8:]}"
        self.access_keys = []
        for i, key in enumerate(keys, 1):
            if not isinstance(key, dict):
                raise BadRequest(f"access_keys[{i}]: expected an object")
            used = key.get("last_used_date", "N/A")
            used = _time_or_marker(used, f"access_keys[{i}].last_used_date", ("N/A",))
            key_id = key.get("access_key_id", f"AKIA{account[-8:]}ROOTKEY{i}")
            if not isinstance(key_id, str) or not re.fullmatch(r"[A-Z0-9]{16,128}", key_id):
                raise BadRequest(f"access_keys[{i}].access_key_id: expected an access key id")
            self.access_keys.append(
                {
                    "id": key_id,
                    "active": bool(key.get("active", True)),
                    "last_rotated": _norm_time(
                        key.get("last_rotated", self.user_creation_time),
                        f"access_keys[{i}].last_rotated",
                    ),
                    "last_used_date": used,
                    "last_used_region": str(
                        key.get("last_used_region", "N/A" if used == "N/A" else "us-east-1")
                    ),
                    "last_used_service": str(
                        key.get("last_used_service", "N/A" if used == "N/A" else "iam")
                    ),
                }
            )
        self.certs = []
        for i, cert in enumerate(certs, 1):
            if not isinstance(cert, dict):
                raise BadRequest(f"certs[{i}]: expected an object")
            self.certs.append(
                {
                    "id": f"{account}ROOTCERT{i}000",
                    "active": bool(cert.get("active", True)),
                    "last_rotated": _norm_time(
                        cert.get("last_rotated", self.user_creation_time),
                        f"certs[{i}].last_rotated",
                    ),
                }
            )
        self.raw = body

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:root"

    def csv_row(self) -> str:
        cells = [
            "<root_account>",
            self.arn,
            self.user_creation_time,
            "not_supported",  # password_enabled
            self.password_last_used,
            "not_supported",  # password_last_changed
            "not_supported",  # password_next_rotation
            "false" if self.mfa == "none" else "true",
        ]
        for i in range(2):
            if i < len(self.access_keys):
                k = self.access_keys[i]
                cells += [
                    "true" if k["active"] else "false",
                    k["last_rotated"],
                    k["last_used_date"],
                    k["last_used_region"],
                    k["last_used_service"],
                ]
            else:
                cells += ["false", "N/A", "N/A", "N/A", "N/A"]
        for i in range(2):
            if i < len(self.certs):
                c = self.certs[i]
                cells += ["true" if c["active"] else "false", c["last_rotated"]]
            else:
                cells += ["false", "N/A"]
        return ",".join(cells) + "\n"


def _xml_time(csv_time: str) -> str:
    """A credential-report time (``+00:00``) as IAM's XML writes it (``Z``)."""
    return csv_time.replace("+00:00", "Z")


def _target_account(principal: str) -> str | None:
    """The account of AssumeRoot's TargetPrincipal: an account id or its root ARN."""
    if re.fullmatch(r"\d{12}", principal or ""):
        return principal
    m = re.fullmatch(r"arn:aws[a-z-]*:iam::(\d{12}):root", principal or "")
    return m.group(1) if m else None


class FaultRule:
    def __init__(self, rule_id: int, body: dict[str, Any]):
        action = body.get("action")
        if not isinstance(action, str) or ":" not in action:
            raise BadRequest("action: expected 'service:Operation' (globs allowed)")
        self.id = rule_id
        self.action = action
        self.account_id = body.get("account_id")
        self.region = body.get("region")
        self.role_arn = body.get("role_arn")
        if action.lower() == "sts:assumerole" and self.role_arn is None and self.account_id is None:
            raise BadRequest("sts:AssumeRole needs role_arn or account_id")
        default_code = "AccessDenied" if action.lower().startswith(("sts:", "iam:")) else "AccessDeniedException"
        self.code = body.get("code", default_code)
        self.message = body.get("message")
        self.status = body.get("status")
        self.times = body.get("times")  # None = forever
        # rate: answer only calls beyond R per second, counted per account and region over
        # every action the rule matches (a bucket of max(R, 1) tokens refilled at R a second),
        # as AWS throttles; None = every matching call.
        rate = body.get("rate")
        if rate is not None and (not isinstance(rate, (int, float)) or isinstance(rate, bool) or rate <= 0):
            raise BadRequest("rate: expected a positive number of calls per second")
        self.rate = float(rate) if rate is not None else None
        self.buckets: dict[tuple[str, str | None], tuple[float, float]] = {}
        self.hits = 0
        self.raw = body

    def matches(self, req: "AwsRequest") -> bool:
        if self.times is not None and self.hits >= int(self.times):
            return False
        if not self._targets(req):
            return False
        if self.rate is None:
            return True
        # Called under State.lock.
        now = time.monotonic()
        key = (req.account, req.region)
        burst = max(self.rate, 1.0)
        tokens, last = self.buckets.get(key, (burst, now))
        tokens = min(burst, tokens + (now - last) * self.rate)
        if tokens >= 1:
            self.buckets[key] = (tokens - 1, now)
            return False
        self.buckets[key] = (tokens, now)
        return True

    def _targets(self, req: "AwsRequest") -> bool:
        if not fnmatch.fnmatchcase(req.action.lower(), self.action.lower()):
            return False
        if self.region is not None and self.region != req.region:
            return False
        if self.role_arn is not None:
            # AssumeRole into a given role: matches on the role; account_id, when
            # given, may name either the caller or the role's account.
            if req.params.get("RoleArn") != self.role_arn:
                return False
            if self.account_id is not None:
                role_account = self.role_arn.split(":")[4] if self.role_arn.count(":") >= 5 else None
                if self.account_id not in (req.account, role_account):
                    return False
            return True
        if self.account_id is not None and self.account_id != req.account:
            if req.action.lower() == "sts:assumeroot":
                # account_id on an AssumeRoot rule: the member whose root cannot be assumed.
                return _target_account(req.params.get("TargetPrincipal", "")) == self.account_id
            if req.action.lower() == "sts:assumerole":
                # account_id on an AssumeRole rule without role_arn: the account
                # whose roles cannot be assumed.
                role_arn = req.params.get("RoleArn", "")
                return role_arn.count(":") >= 5 and role_arn.split(":")[4] == self.account_id
            return False
        return True

    def to_json(self) -> dict[str, Any]:
        out = dict(self.raw)
        out["id"] = self.id
        out["hits"] = self.hits
        return out


class State:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.roots: dict[str, RootSpec] = {}
        self.faults: list[FaultRule] = []
        self.next_fault = 1
        self.calls: dict[str, dict[str, int]] = {}
        self.calls_by_region: dict[str, dict[str, dict[str, int]]] = {}
        self.sns_pending = True
        # account id (or "*") -> {region: RegionOptStatus} for account:ListRegions
        self.regions: dict[str, dict[str, str]] = {}
        # account id -> credential-report generation time held by a fault (not regenerated)
        self.held_reports: dict[str, dt.datetime] = {}
        # "service:Operation" -> calls moto could not answer (it lacks the operation). AWS never
        # answers like that, so a test must not depend on it: it injects the AWS error it means.
        self.unimplemented: dict[str, int] = {}
        # access key id of an AssumeRoot session -> RootSession
        self.root_sessions: dict[str, "RootSession"] = {}
        # TCP connections the server accepted (GET /_rootwarden/connections): whether a client
        # pools its connections or opens one per call shows here, not in the call counts.
        self.connections = 0

    def note_connection(self) -> None:
        with self.lock:
            self.connections += 1

    def reset(self) -> None:
        with self.lock:
            self.roots.clear()
            self.faults.clear()
            self.regions.clear()
            self.held_reports.clear()
            self.unimplemented.clear()
            self.root_sessions.clear()
            self.sns_pending = True
        with DELIVERY_LOCK:
            DELIVERY["delay_seconds"] = DEFAULT_DELIVERY_DELAY
            DELIVERY["deliveries"].clear()
        # Reports generated from the cleared roots go too (the next generation starts afresh).
        from moto.iam import models as iam_models

        for by_partition in list(iam_models.iam_backends.values()):
            for backend in list(by_partition.values()):
                backend._rw_report_time = None
                backend._rw_report_content = None

    def note_unimplemented(self, action: str) -> None:
        with self.lock:
            self.unimplemented[action] = self.unimplemented.get(action, 0) + 1

    def held_report(self, account_id: str) -> dt.datetime | None:
        with self.lock:
            return self.held_reports.get(account_id)

    def root_session(self, access_key: str) -> "RootSession | None":
        with self.lock:
            return self.root_sessions.get(access_key)

    def root(self, account_id: str) -> RootSpec | None:
        with self.lock:
            return self.roots.get(account_id)

    def count(self, req: "AwsRequest") -> None:
        with self.lock:
            per = self.calls.setdefault(req.account, {})
            per[req.action] = per.get(req.action, 0) + 1
            reg = self.calls_by_region.setdefault(req.account, {}).setdefault(req.region, {})
            reg[req.action] = reg.get(req.action, 0) + 1

    def fault_for(self, req: "AwsRequest") -> FaultRule | None:
        with self.lock:
            for rule in self.faults:
                if rule.matches(req):
                    rule.hits += 1
                    return rule
        return None


STATE = State()


# --------------------------------------------------------------------------
# moto patches: IAM root user, organizations features, credential report
# --------------------------------------------------------------------------


class _RootMfaDevice:
    """Looks like moto's VirtualMfaDevice to the serializer."""

    def __init__(self, spec: RootSpec):
        self.serial_number = f"arn:aws:iam::{spec.account_id}:mfa/root-account-mfa-device"
        self.base32_string_seed = None
        self.qr_code_png = None
        self.enable_date = dt.datetime.fromisoformat(spec.mfa_enable_date)
        self.user = {
            "Path": "/",
            "UserId": spec.account_id,
            "Arn": spec.arn,
            "CreateDate": dt.datetime.fromisoformat(spec.user_creation_time),
        }
        if spec.password_last_used not in ("N/A", "no_information", "not_supported"):
            self.user["PasswordLastUsed"] = dt.datetime.fromisoformat(spec.password_last_used)
        self.user_attribute = self.user
        self.tags: list[Any] = []


def _patch_iam() -> None:
    from moto.iam import models as iam_models
    from moto.iam import responses as iam_responses
    from moto.iam.exceptions import IAMException, ValidationError

    backend_cls = iam_models.IAMBackend
    response_cls = iam_responses.IamResponse

    # ---- credential report: <root_account> row first; generated as AWS does it ----
    # AWS generates a new report only when the last one is more than 4 hours old, and
    # GetCredentialReport serves the content of that generation, whatever changed since.
    orig_get_report = backend_cls.get_credential_report

    def current_report(self: Any) -> str:
        report = orig_get_report(self)
        spec = STATE.root(self.account_id)
        if spec is None:
            return report
        header, _, rest = report.partition("\n")
        return header + "\n" + spec.csv_row() + rest

    orig_generate = backend_cls.generate_report

    def generate_report(self: Any) -> None:
        orig_generate(self)
        now = dt.datetime.now(UTC).replace(microsecond=0)
        held = STATE.held_report(self.account_id)
        last = getattr(self, "_rw_report_time", None)
        if held is not None:
            if getattr(self, "_rw_report_content", None) is None:
                self._rw_report_content = current_report(self)
            self._rw_report_time = held
        elif last is None or now - last > REPORT_REGENERATION:
            self._rw_report_time = now
            self._rw_report_content = current_report(self)

    def get_credential_report(self: Any) -> str:
        content = getattr(self, "_rw_report_content", None)
        if content is None:
            return orig_get_report(self)  # raises ReportNotPresent as AWS does
        return content

    def resp_get_credential_report(self: Any) -> ActionResult:
        report = self.backend.get_credential_report()
        return ActionResult(
            {"Content": report, "ReportFormat": "text/csv", "GeneratedTime": self.backend._rw_report_time}
        )

    backend_cls.get_credential_report = get_credential_report
    backend_cls.generate_report = generate_report
    response_cls.get_credential_report = resp_get_credential_report

    # ---- account summary ----
    summary_cls = iam_models.AccountSummary
    orig_summary = summary_cls.summary_map.fget

    def summary_map(self: Any) -> dict[str, Any]:
        out = dict(orig_summary(self))
        spec = STATE.root(self._iam_backend.account_id)
        if spec is not None:
            out["AccountMFAEnabled"] = 0 if spec.mfa == "none" else 1
            out["AccountAccessKeysPresent"] = 1 if spec.access_keys else 0
            out["AccountSigningCertificatesPresent"] = 1 if spec.certs else 0
            if spec.mfa == "virtual":
                out["MFADevices"] = out.get("MFADevices", 0) + 1
                out["MFADevicesInUse"] = out.get("MFADevicesInUse", 0) + 1
        return out

    summary_cls.summary_map = property(summary_map)

    # ---- root virtual MFA device ----
    def list_virtual_mfa_devices(
        self: Any, assignment_status: str, marker: str | None, max_items: int
    ) -> tuple[list[Any], str | None]:
        devices = list(self.virtual_mfa_devices.values())
        if assignment_status == "Assigned":
            devices = [d for d in devices if d.enable_date]
        elif assignment_status == "Unassigned":
            devices = [d for d in devices if not d.enable_date]
        devices.sort(key=lambda d: d.serial_number)
        spec = STATE.root(self.account_id)
        if spec is not None and spec.mfa == "virtual" and assignment_status in ("Assigned", "Any", None):
            devices.insert(0, _RootMfaDevice(spec))
        max_items = int(max_items)
        start = int(marker) if marker else 0
        if start > len(devices):
            raise ValidationError("Invalid Marker.")
        page = devices[start : start + max_items]
        next_marker = str(start + max_items) if start + max_items < len(devices) else None
        return page, next_marker

    backend_cls.list_virtual_mfa_devices = list_virtual_mfa_devices

    # ---- IAM <-> Organizations: centralized root access features ----
    class _OrgError(IAMException):
        def __init__(self, code: str, message: str):
            self.code = code
            super().__init__(message)

    def _org_context(self: Any, mutate: bool) -> tuple[Any, Any]:
        """Return (management account's IAM backend, organization) or raise like AWS."""
        from moto.organizations.models import organizations_backends

        account = self.current_account
        org_backend = organizations_backends[account]["aws"]
        if org_backend.org is not None:
            mgmt = account
        elif account in organizations_backends.master_accounts:
            mgmt = organizations_backends.master_accounts[account][0]
        else:
            raise _OrgError(
                "OrganizationNotFoundException",
                "The request failed because your credentials are not part of an organization.",
            )
        mgmt_org = organizations_backends[mgmt]["aws"]
        org = mgmt_org.org
        if mgmt != account:
            if mutate:
                raise _OrgError(
                    "CallerIsNotManagementAccountException",
                    "The request failed because the caller is not the management account of the organization.",
                )
            delegated = any(
                admin.account.id == account and "iam.amazonaws.com" in admin.services
                for admin in mgmt_org.admins
            )
            if not delegated:
                raise _OrgError(
                    "AccountNotManagementOrDelegatedAdministratorException",
                    "The request was rejected because the account making the request is not the management account or delegated administrator account for centralized root access.",
                )
        if getattr(org, "feature_set", "ALL") != "ALL":
            raise _OrgError(
                "OrganizationNotInAllFeaturesModeException",
                "The request failed because your organization does not have all features enabled.",
            )
        if not any(s.get("ServicePrincipal") == "iam.amazonaws.com" for s in mgmt_org.services):
            raise _OrgError(
                "ServiceAccessNotEnabledException",
                "The request failed because trusted access for IAM is not enabled in AWS Organizations.",
            )
        mgmt_iam = iam_models.iam_backends[mgmt]["aws"]
        if not hasattr(mgmt_iam, "_rw_org_features"):
            mgmt_iam._rw_org_features = []
        return mgmt_iam, org

    def _features_result(mgmt_iam: Any, org: Any) -> ActionResult:
        return ActionResult(
            {"OrganizationId": org.id, "EnabledFeatures": list(mgmt_iam._rw_org_features)}
        )

    def list_organizations_features(self: Any) -> ActionResult:
        mgmt_iam, org = _org_context(self, mutate=False)
        return _features_result(mgmt_iam, org)

    def _toggle(feature: str, enable: bool) -> Any:
        def handler(self: Any) -> ActionResult:
            mgmt_iam, org = _org_context(self, mutate=True)
            feats = mgmt_iam._rw_org_features
            if enable and feature not in feats:
                feats.append(feature)
            if not enable and feature in feats:
                feats.remove(feature)
            return _features_result(mgmt_iam, org)

        return handler

    response_cls.list_organizations_features = list_organizations_features
    response_cls.enable_organizations_root_credentials_management = _toggle("RootCredentialsManagement", True)
    response_cls.disable_organizations_root_credentials_management = _toggle("RootCredentialsManagement", False)
    response_cls.enable_organizations_root_sessions = _toggle("RootSessions", True)
    response_cls.disable_organizations_root_sessions = _toggle("RootSessions", False)

    # Organizations must accept trusted access for IAM.
    from moto.organizations.models import FakeServiceAccess

    from moto.organizations.models import FakeDelegatedAdministrator

    if "iam.amazonaws.com" not in FakeServiceAccess.TRUSTED_SERVICES:
        FakeServiceAccess.TRUSTED_SERVICES.append("iam.amazonaws.com")
    if "iam.amazonaws.com" not in FakeDelegatedAdministrator.SUPPORTED_SERVICES:
        FakeDelegatedAdministrator.SUPPORTED_SERVICES.append("iam.amazonaws.com")


# --------------------------------------------------------------------------
# moto patches: CloudWatch DescribeAlarms (filters, AlarmTypes, pagination)
# and DescribeAlarmHistory
# --------------------------------------------------------------------------


def _patch_cloudwatch() -> None:
    from moto.cloudwatch import models as cw_models
    from moto.cloudwatch import responses as cw_responses
    from moto.cloudwatch.exceptions import InvalidParameterValue

    backend_cls = cw_models.CloudWatchBackend
    response_cls = cw_responses.CloudWatchResponse

    def _history(backend: Any) -> list[dict[str, Any]]:
        if not hasattr(backend, "_rw_history"):
            backend._rw_history = []
        return backend._rw_history

    def _record(backend: Any, name: str, alarm_type: str, kind: str, summary: str, data: dict[str, Any]) -> None:
        _history(backend).append(
            {
                "AlarmName": name,
                "AlarmType": alarm_type,
                "Timestamp": dt.datetime.now(UTC),
                "HistoryItemType": kind,
                "HistorySummary": summary,
                "HistoryData": json.dumps(data),
            }
        )

    orig_put = backend_cls.put_metric_alarm

    def put_metric_alarm(self: Any, *args: Any, **kwargs: Any) -> Any:
        name = kwargs.get("name", args[0] if args else None)
        existed = name in self.alarms
        alarm = orig_put(self, *args, **kwargs)
        alarm_type = "CompositeAlarm" if kwargs.get("rule") else "MetricAlarm"
        verb = "updated" if existed else "created"
        _record(self, name, alarm_type, "ConfigurationUpdate", f'Alarm "{name}" {verb}',
                {"version": "1.0", "type": verb.capitalize()})
        return alarm

    orig_set_state = backend_cls.set_alarm_state

    def set_alarm_state(self: Any, alarm_name: str, reason: str, reason_data: str, state_value: str) -> None:
        old = self.alarms[alarm_name].state_value if alarm_name in self.alarms else None
        orig_set_state(self, alarm_name, reason, reason_data, state_value)
        alarm = self.alarms.get(alarm_name)
        if alarm is not None and old != state_value:
            alarm_type = "CompositeAlarm" if alarm.rule else "MetricAlarm"
            changed = dt.datetime.now(UTC)
            _record(self, alarm_name, alarm_type, "StateUpdate",
                    f"Alarm updated from {old} to {state_value}",
                    {"version": "1.0", "oldState": {"stateValue": old},
                     "newState": {"stateValue": state_value, "stateReason": reason}})
            # CloudWatch runs the actions of the new state once it is entered, and records the
            # outcome of each as an Action history item.
            actions = {"ALARM": alarm.alarm_actions, "OK": alarm.ok_actions,
                       "INSUFFICIENT_DATA": alarm.insufficient_data_actions}.get(state_value) or []
            if alarm.actions_enabled in (True, "true", "True"):
                for action in actions:
                    _run_alarm_action(self, alarm, alarm_type, action, old, state_value, reason, changed)

    def _run_alarm_action(backend: Any, alarm: Any, alarm_type: str, action: str, old: Any,
                          new: str, reason: str, changed: dt.datetime) -> None:
        """An SNS action as CloudWatch runs it: the alarm message published to the topic (in the
        topic's account and region); a topic that does not exist fails the action."""
        from moto.sns.models import sns_backends

        parts = action.split(":")
        if len(parts) < 6 or parts[2] != "sns":
            return
        stamp = int(changed.timestamp() * 1000)
        message = json.dumps({
            "AlarmName": alarm.name,
            "AlarmDescription": alarm.description,
            "AWSAccountId": backend.account_id,
            "NewStateValue": new,
            "NewStateReason": reason,
            "StateChangeTime": changed.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000",
            "Region": backend.region_name,
            "AlarmArn": alarm.alarm_arn,
            "OldStateValue": old,
            "AlarmActions": list(alarm.alarm_actions or []),
            "Trigger": {"MetricName": alarm.metric_name, "Namespace": alarm.namespace,
                        "Statistic": alarm.statistic, "Period": alarm.period,
                        "EvaluationPeriods": alarm.evaluation_periods,
                        "ComparisonOperator": alarm.comparison_operator, "Threshold": alarm.threshold},
        })
        sns = sns_backends[parts[4]][parts[3]]
        if action in sns.topics:
            sns.publish(message, arn=action, subject=f'{new}: "{alarm.name}" in {backend.region_name}')
            _record(backend, alarm.name, alarm_type, "Action", f"Successfully executed action {action}",
                    {"actionState": "Succeeded", "stateUpdateTimestamp": stamp,
                     "notificationResource": action, "publishedMessage": message})
        else:
            _record(backend, alarm.name, alarm_type, "Action",
                    f'Failed to execute action {action}. Received error: "Resource not found"',
                    {"actionState": "Failed", "stateUpdateTimestamp": stamp,
                     "notificationResource": action, "error": "Resource not found"})

    orig_delete = backend_cls.delete_alarms

    def delete_alarms(self: Any, alarm_names: list[str]) -> None:
        present = [(n, self.alarms[n]) for n in alarm_names if n in self.alarms]
        orig_delete(self, alarm_names)
        for name, alarm in present:
            _record(self, name, "CompositeAlarm" if alarm.rule else "MetricAlarm", "ConfigurationUpdate",
                    f'Alarm "{name}" deleted', {"version": "1.0", "type": "Delete"})

    backend_cls.put_metric_alarm = put_metric_alarm
    backend_cls.set_alarm_state = set_alarm_state
    backend_cls.delete_alarms = delete_alarms

    def _page(items: list[Any], token: str | None, max_records: Any, default: int) -> tuple[list[Any], str | None]:
        start = 0
        if token:
            try:
                start = int(base64.b64decode(token).decode().split(":", 1)[1])
            except Exception:
                raise InvalidParameterValue("The service cannot complete the request. NextToken is invalid.") from None
        size = int(max_records) if max_records else default
        page = items[start : start + size]
        nxt = None
        if start + size < len(items):
            nxt = base64.b64encode(f"rw:{start + size}".encode()).decode()
        return page, nxt

    def describe_alarms(self: Any) -> ActionResult:
        alarms = list(self.cloudwatch_backend.describe_alarms())
        action_prefix = self._get_param("ActionPrefix")
        name_prefix = self._get_param("AlarmNamePrefix")
        names = self._get_param("AlarmNames") or []
        state = self._get_param("StateValue")
        types = self._get_param("AlarmTypes") or ["MetricAlarm"]
        if action_prefix:
            alarms = [a for a in alarms if any(x.startswith(action_prefix) for x in (a.alarm_actions or []))]
        if name_prefix:
            alarms = [a for a in alarms if a.name.startswith(name_prefix)]
        if names:
            alarms = [a for a in alarms if a.name in names]
        if state:
            alarms = [a for a in alarms if a.state_value == state]
        alarms = [
            a for a in alarms
            if ("CompositeAlarm" if a.rule is not None else "MetricAlarm") in types
        ]
        alarms.sort(key=lambda a: a.name)
        page, nxt = _page(alarms, self._get_param("NextToken"), self._get_param("MaxRecords"), 50)
        result: dict[str, Any] = {
            "MetricAlarms": [a for a in page if a.rule is None],
            "CompositeAlarms": [a for a in page if a.rule is not None],
        }
        if nxt:
            result["NextToken"] = nxt
        return ActionResult(result)

    def describe_alarm_history(self: Any) -> ActionResult:
        items = list(_history(self.cloudwatch_backend))
        name = self._get_param("AlarmName")
        kind = self._get_param("HistoryItemType")
        types = self._get_param("AlarmTypes") or ["MetricAlarm"]
        start = self._get_param("StartDate")
        end = self._get_param("EndDate")
        if name:
            items = [i for i in items if i["AlarmName"] == name]
        if kind:
            items = [i for i in items if i["HistoryItemType"] == kind]
        items = [i for i in items if i["AlarmType"] in types]

        def _dt(v: Any) -> dt.datetime:
            if isinstance(v, dt.datetime):
                return v if v.tzinfo else v.replace(tzinfo=UTC)
            if isinstance(v, (int, float)):
                return dt.datetime.fromtimestamp(v, UTC)
            return dt.datetime.fromisoformat(str(v).replace("Z", "+00:00"))

        if start:
            items = [i for i in items if i["Timestamp"] >= _dt(start)]
        if end:
            items = [i for i in items if i["Timestamp"] <= _dt(end)]
        descending = (self._get_param("ScanBy") or "TimestampDescending") == "TimestampDescending"
        items.sort(key=lambda i: i["Timestamp"], reverse=descending)
        page, nxt = _page(items, self._get_param("NextToken"), self._get_param("MaxRecords"), 100)
        result: dict[str, Any] = {"AlarmHistoryItems": page}
        if nxt:
            result["NextToken"] = nxt
        return ActionResult(result)

    response_cls.describe_alarms = describe_alarms
    response_cls.describe_alarm_history = describe_alarm_history


# --------------------------------------------------------------------------
# moto patches: CloudTrail organization trails seen from member accounts
# --------------------------------------------------------------------------


def _management_account_of(account_id: str) -> str | None:
    from moto.organizations.models import organizations_backends

    entry = organizations_backends.master_accounts.get(account_id)
    return entry[0] if entry else None


def _patch_cloudtrail() -> None:
    from moto.cloudtrail import models as ct_models
    from moto.cloudtrail.exceptions import TrailNotFoundException

    backend_cls = ct_models.CloudTrailBackend

    def _org_trails(backend: Any) -> list[Any]:
        mgmt = _management_account_of(backend.account_id)
        if mgmt is None or mgmt == backend.account_id:
            return []
        return [
            t
            for region_backend in list(ct_models.cloudtrail_backends[mgmt].values())
            for t in list(region_backend.trails.values())
            if t.is_org_trail
        ]

    orig_describe = backend_cls.describe_trails

    def describe_trails(self: Any, include_shadow_trails: bool) -> list[Any]:
        trails = list(orig_describe(self, include_shadow_trails))
        seen = {t.arn for t in trails}
        for t in _org_trails(self):
            visible = t.region_name == self.region_name or (include_shadow_trails and t.is_multi_region)
            if visible and t.arn not in seen:
                trails.append(t)
                seen.add(t.arn)
        return trails

    def _org_trail_by_arn(self: Any, name: str) -> Any:
        for t in _org_trails(self):
            if t.arn == name and (t.region_name == self.region_name or t.is_multi_region):
                return t
        return None

    orig_status = backend_cls.get_trail_status

    def get_trail_status(self: Any, name: str) -> Any:
        try:
            return orig_status(self, name)
        except TrailNotFoundException:
            trail = _org_trail_by_arn(self, name)
            if trail is None:
                raise
            return trail.status

    orig_get_trail = backend_cls.get_trail

    def get_trail(self: Any, name_or_arn: str) -> Any:
        try:
            return orig_get_trail(self, name_or_arn)
        except TrailNotFoundException:
            trail = _org_trail_by_arn(self, name_or_arn)
            if trail is None:
                raise
            return trail

    backend_cls.describe_trails = describe_trails
    backend_cls.get_trail_status = get_trail_status
    backend_cls.get_trail = get_trail

    from moto.cloudtrail.responses import CloudTrailResponse

    def lookup_events(self: Any) -> str:
        """LookupEvents as the CloudTrail API reference describes it: the account and region's
        event history, newest first, narrowed by at most one lookup attribute and by
        [StartTime, EndTime], MaxResults (1-50, default 50) per page."""
        with EVENT_HISTORY_LOCK:
            records = list(EVENT_HISTORY.get((self.current_account, self.region), []))
        attrs = self._get_param("LookupAttributes") or []
        if len(attrs) > 1:
            raise BadRequest("LookupAttributes: at most one attribute")
        fields = {"Username": "Username", "EventName": "EventName", "EventId": "EventId",
                  "EventSource": "EventSource", "ResourceType": None, "ResourceName": None,
                  "AccessKeyId": "AccessKeyId", "ReadOnly": "ReadOnly"}

        def when(v: Any) -> float | None:
            return None if v is None else float(v)

        start, end = when(self._get_param("StartTime")), when(self._get_param("EndTime"))
        events = []
        for rec in records:
            item = {
                "EventId": rec.get("eventID", ""),
                "EventName": rec.get("eventName", ""),
                "EventSource": rec.get("eventSource", ""),
                "EventTime": dt.datetime.fromisoformat(rec["eventTime"].replace("Z", "+00:00")).timestamp(),
                "Username": rec.get("userIdentity", {}).get("userName")
                or ("root" if rec.get("userIdentity", {}).get("type") == "Root" else ""),
                "AccessKeyId": rec.get("userIdentity", {}).get("accessKeyId", ""),
                "ReadOnly": str(rec.get("readOnly", False)).lower(),
                "Resources": [],
                "CloudTrailEvent": json.dumps(rec),
            }
            if start is not None and item["EventTime"] < start:
                continue
            if end is not None and item["EventTime"] > end:
                continue
            if attrs:
                key = fields.get(attrs[0].get("AttributeKey"))
                if key is None or item.get(key) != attrs[0].get("AttributeValue"):
                    continue
            events.append(item)
        events.sort(key=lambda e: e["EventTime"], reverse=True)
        size = int(self._get_param("MaxResults") or 50)
        if not 1 <= size <= 50:
            raise BadRequest("MaxResults: 1 to 50")
        offset = int(self._get_param("NextToken") or 0)
        page = events[offset:offset + size]
        for e in page:
            e.pop("AccessKeyId")
            e.pop("ReadOnly")
        result: dict[str, Any] = {"Events": page}
        if offset + size < len(events):
            result["NextToken"] = str(offset + size)
        return json.dumps(result)

    CloudTrailResponse.lookup_events = lookup_events


# CloudTrail event history per (account, region): the records LookupEvents serves.
EVENT_HISTORY: dict[tuple[str, str], list[dict[str, Any]]] = {}
EVENT_HISTORY_LOCK = threading.Lock()


# --------------------------------------------------------------------------
# moto patches: SNS subscriptions that need confirmation stay pending
# --------------------------------------------------------------------------

NEEDS_CONFIRMATION = ("email", "email-json", "http", "https")


def _patch_sns() -> None:
    from moto.sns import models as sns_models
    from moto.sns import responses as sns_responses

    backend_cls = sns_models.SNSBackend
    response_cls = sns_responses.SNSResponse

    orig_subscribe = backend_cls.subscribe

    def subscribe(self: Any, topic_arn: str, endpoint: str, protocol: str) -> Any:
        existing = self._find_subscription(topic_arn, endpoint, protocol)
        sub = orig_subscribe(self, topic_arn, endpoint, protocol)
        if existing is None and protocol in NEEDS_CONFIRMATION and STATE.sns_pending:
            sub._rw_pending = True
            sub.attributes["PendingConfirmation"] = "true"
            sub.attributes["ConfirmationWasAuthenticated"] = "false"
        return sub

    backend_cls.subscribe = subscribe

    def _view(sub: Any) -> dict[str, Any]:
        pending = getattr(sub, "_rw_pending", False)
        return {
            "SubscriptionArn": "PendingConfirmation" if pending else sub.arn,
            "Owner": sub.owner,
            "Protocol": sub.protocol,
            "Endpoint": sub.endpoint,
            "TopicArn": sub.topic_arn,
        }

    def _wrap_listing(orig: Any) -> Any:
        def handler(self: Any) -> ActionResult:
            result = orig(self).result
            result = dict(result)
            result["Subscriptions"] = [_view(s) for s in result.get("Subscriptions", [])]
            return ActionResult(result)

        return handler

    response_cls.list_subscriptions = _wrap_listing(response_cls.list_subscriptions)
    response_cls.list_subscriptions_by_topic = _wrap_listing(response_cls.list_subscriptions_by_topic)

    orig_subscribe_resp = response_cls.subscribe

    def subscribe_resp(self: Any) -> ActionResult:
        result = orig_subscribe_resp(self)
        sub = self.backend.subscriptions.get(result.result.get("SubscriptionArn"))
        wants_arn = str(self._get_param("ReturnSubscriptionArn", "false")).lower() == "true"
        if sub is not None and getattr(sub, "_rw_pending", False) and not wants_arn:
            return ActionResult({"SubscriptionArn": "pending confirmation"})
        return result

    response_cls.subscribe = subscribe_resp


def confirm_subscriptions(topic_arn: str, endpoint: str | None) -> list[str]:
    from moto.sns.models import sns_backends

    parts = topic_arn.split(":")
    if len(parts) < 6:
        raise BadRequest("topic_arn: expected an SNS topic ARN")
    backend = sns_backends[parts[4]][parts[3]]
    confirmed = []
    for sub in list(backend.subscriptions.values()):
        if sub.topic_arn != topic_arn or not getattr(sub, "_rw_pending", False):
            continue
        if endpoint is not None and sub.endpoint != endpoint:
            continue
        sub._rw_pending = False
        sub.confirmed = True
        sub.attributes["PendingConfirmation"] = "false"
        sub.attributes["ConfirmationWasAuthenticated"] = "true"
        confirmed.append(sub.arn)
    return confirmed


# --------------------------------------------------------------------------
# moto patches: PutMetricFilter updates a filter of the same name
# --------------------------------------------------------------------------


def _patch_logs() -> None:
    """AWS: PutMetricFilter "creates or updates a metric filter"; moto appends a second filter
    of the same name, so DescribeMetricFilters would return both."""
    from moto.logs import metric_filters

    orig_add = metric_filters.MetricFilters.add_filter

    def add_filter(self: Any, filter_name: str, filter_pattern: str, log_group_name: str,
                   metric_transformations: Any) -> None:
        self.metric_filters = [f for f in self.metric_filters
                               if not (f["filterName"] == filter_name and f["logGroupName"] == log_group_name)]
        orig_add(self, filter_name, filter_pattern, log_group_name, metric_transformations)

    metric_filters.MetricFilters.add_filter = add_filter


# --------------------------------------------------------------------------
# logs:TestMetricFilter (moto lacks it) for JSON filter patterns
# --------------------------------------------------------------------------


class UnsupportedPattern(Exception):
    """A filter pattern outside the subset the launcher evaluates."""


_CONDITION = re.compile(
    r'^\$((?:\.[A-Za-z0-9_]+)+)\s*(?:(=|!=)\s*(?:"((?:[^"\\]|\\.)*)"|([^\s()"&|]+))|(NOT EXISTS|EXISTS))$'
)


def _json_pattern(pattern: str) -> list[tuple[list[str], str, str | None]]:
    """The conditions of a JSON filter pattern `{ C1 && C2 ... }`, each `$.a.b = "v"`,
    `$.a.b != "v"` (`*` a wildcard in strings), `$.a.b EXISTS` or `$.a.b NOT EXISTS`, as
    CloudWatch Logs documents them. Disjunctions, parentheses, numbers and arrays are not
    evaluated here: they raise UnsupportedPattern (answered as not implemented)."""
    text = pattern.strip()
    if not (text.startswith("{") and text.endswith("}")) or "||" in text or "(" in text:
        raise UnsupportedPattern(pattern)
    conditions = []
    for part in text[1:-1].split("&&"):
        m = _CONDITION.match(part.strip())
        if m is None:
            raise UnsupportedPattern(pattern)
        path = m.group(1).split(".")[1:]
        if m.group(5):
            conditions.append((path, m.group(5), None))
        else:
            value = m.group(3) if m.group(3) is not None else m.group(4)
            conditions.append((path, m.group(2), value))
    return conditions


def _matches(conditions: list[tuple[list[str], str, str | None]], message: str) -> bool:
    try:
        event = json.loads(message)
    except ValueError:
        return False
    for path, op, value in conditions:
        node: Any = event
        present = True
        for key in path:
            if isinstance(node, dict) and key in node:
                node = node[key]
            else:
                present = False
                break
        if op == "EXISTS" and not present:
            return False
        if op == "NOT EXISTS" and present:
            return False
        if op in ("=", "!="):
            # A missing field or a non-string never equals a string, and (AWS) never satisfies !=.
            if not present or not isinstance(node, str):
                return False
            regex = "^" + ".*".join(re.escape(p) for p in (value or "").split("*")) + "$"
            equal = re.match(regex, node) is not None
            if equal != (op == "="):
                return False
    return True


def test_metric_filter(req: "AwsRequest", body: bytes, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes] | None:
    """TestMetricFilter answered for the JSON pattern subset; `None` (not implemented) otherwise."""
    try:
        params = json.loads(body or b"{}")
    except ValueError:
        return render_error(req, "InvalidParameterException", "the request body is not JSON", 400, environ)
    messages = params.get("logEventMessages") or []
    if not 1 <= len(messages) <= 50:
        return render_error(req, "InvalidParameterException",
                            "logEventMessages must hold between 1 and 50 messages", 400, environ)
    try:
        conditions = _json_pattern(params.get("filterPattern", ""))
    except UnsupportedPattern:
        return None
    matches = [{"eventNumber": i + 1, "eventMessage": m, "extractedValues": {}}
               for i, m in enumerate(messages) if _matches(conditions, m)]
    payload = json.dumps({"matches": matches}).encode()
    return 200, [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(payload)))], payload


# --------------------------------------------------------------------------
# CloudTrail → CloudWatch Logs → metric filter → metric → alarm, for root calls
# --------------------------------------------------------------------------
#
# AWS: CloudTrail records a management event for every API call, delivers it (typically
# within minutes) to the CloudWatch Logs log group of each trail that records it: the account's
# own trails and the organization trails of its management account, when the trail is logging
# and its event selectors include management events. CloudWatch Logs runs the group's metric
# filters on each event and publishes the metric; CloudWatch evaluates each alarm on it.
# The launcher does this for calls it attributes to root (AssumeRoot sessions), after
# `DELIVERY["delay_seconds"]` (CloudTrail's latency), on a timer thread.

# Events CloudTrail records in us-east-1 whatever the endpoint: global services.
GLOBAL_EVENT_SOURCES = {"iam", "organizations", "account"}
READ_ONLY_PREFIXES = ("Get", "List", "Describe", "Lookup", "Head", "Test")
COMPARISONS = {
    "GreaterThanOrEqualToThreshold": (lambda v, t: v >= t, "greater than or equal to"),
    "GreaterThanThreshold": (lambda v, t: v > t, "greater than"),
    "LessThanThreshold": (lambda v, t: v < t, "less than"),
    "LessThanOrEqualToThreshold": (lambda v, t: v <= t, "less than or equal to"),
}
DEFAULT_DELIVERY_DELAY = 3.0
DELIVERY_LOCK = threading.Lock()
# delay_seconds, and what each delivery did (GET /_rootwarden/delivery), newest last.
DELIVERY: dict[str, Any] = {"delay_seconds": DEFAULT_DELIVERY_DELAY, "deliveries": []}


def root_event_record(session: "RootSession", req: "AwsRequest", environ: dict[str, Any],
                      at: dt.datetime, error_code: str | None) -> dict[str, Any]:
    """The management event CloudTrail writes for a call in a root session (AssumeRoot), as in
    fixtures/cloudtrail/root-assume-root-session.json."""
    is_global = req.service in GLOBAL_EVENT_SOURCES
    record: dict[str, Any] = {
        "eventVersion": "1.10",
        "userIdentity": {
            "type": "Root",
            "principalId": session.account,
            "arn": f"arn:aws:iam::{session.account}:root",
            "accountId": session.account,
            "accessKeyId": session.access_key,
            "sessionContext": {
                "attributes": {"creationDate": session.created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                               "mfaAuthenticated": "false"},
                "assumedRoot": "true",
            },
        },
        "eventTime": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": f"{req.service}.amazonaws.com",
        "eventName": req.operation,
        "awsRegion": "us-east-1" if is_global else req.region,
        "sourceIPAddress": environ.get("REMOTE_ADDR") or "127.0.0.1",
        "userAgent": _header(environ, "User-Agent") or "unknown",
        "requestParameters": None,
        "responseElements": None,
        "eventID": str(uuid.uuid4()),
        "readOnly": req.operation.startswith(READ_ONLY_PREFIXES),
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": session.account,
        "eventCategory": "Management",
        "requestID": _request_id(),
    }
    if error_code:
        record["errorCode"] = error_code
        record["errorMessage"] = f"{req.action} failed with {error_code}"
    return record


def _trails_recording(account: str) -> list[Any]:
    """The trails that may record an event of `account`: its own and its management account's
    organization trails (each once)."""
    from moto.cloudtrail.models import cloudtrail_backends

    trails: dict[str, Any] = {}
    for backend in list(cloudtrail_backends[account].values()):
        for t in list(backend.trails.values()):
            trails.setdefault(t.arn, t)
    mgmt = _management_account_of(account)
    if mgmt is not None and mgmt != account:
        for backend in list(cloudtrail_backends[mgmt].values()):
            for t in list(backend.trails.values()):
                if t.is_org_trail:
                    trails.setdefault(t.arn, t)
    return list(trails.values())


def _trail_skips(trail: Any, record: dict[str, Any]) -> str | None:
    """Why `trail` does not record `record`, or None when it does."""
    region = record["awsRegion"]
    is_global = record["eventSource"].split(".")[0] in GLOBAL_EVENT_SOURCES
    if is_global and not trail.include_global_service_events:
        return "the trail does not include global service events"
    if not (trail.is_multi_region or trail.region_name == region):
        return f"a single-region trail of {trail.region_name}"
    if not trail.status.is_logging:
        return "the trail is not logging"
    read_only = record["readOnly"]
    if trail.advanced_event_selectors:
        def selects(sel: dict[str, Any]) -> bool:
            fields = {f.get("Field"): f for f in sel.get("FieldSelectors", [])}
            category = fields.get("eventCategory", {})
            if "Management" not in (category.get("Equals") or []):
                return False
            ro = fields.get("readOnly")
            return ro is None or str(read_only).lower() in [str(x).lower() for x in ro.get("Equals") or []]
        if not any(selects(s) for s in trail.advanced_event_selectors):
            return "no advanced event selector selects this management event"
        return None
    selectors = trail.event_selectors or [{"ReadWriteType": "All", "IncludeManagementEvents": True}]
    for s in selectors:
        if not s.get("IncludeManagementEvents", True):
            continue
        rw = s.get("ReadWriteType", "All")
        if rw == "All" or (rw == "ReadOnly") == read_only:
            if record["eventSource"] in (s.get("ExcludeManagementEventSources") or []):
                continue
            return None
    return "no event selector includes this management event"


def _field(event: dict[str, Any], selector: str) -> Any:
    node: Any = event
    for key in selector.lstrip("$").strip(".").split("."):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _publish(cw: Any, transformation: dict[str, Any], event: dict[str, Any] | None,
             at: dt.datetime) -> dict[str, Any] | None:
    """The metric value a filter publishes for one event: metricValue (a number or `$.field`)
    when it matched (`event`), defaultValue when it did not; None when there is none."""
    if event is None:
        if transformation.get("defaultValue") is None:
            return None
        value = float(transformation["defaultValue"])
        dims: list[dict[str, str]] = []
    else:
        raw = str(transformation.get("metricValue", "1"))
        try:
            value = float(_field(event, raw)) if raw.startswith("$") else float(raw)
        except (TypeError, ValueError):
            return None  # CloudWatch Logs publishes nothing for a non-numeric value
        dims = []
        for name, selector in (transformation.get("dimensions") or {}).items():
            v = _field(event, selector)
            if v is None:
                return None  # AWS: a dimension field missing from the event drops the metric
            dims.append({"Name": name, "Value": str(v)})
    # moto keeps metric timestamps naive (UTC).
    datum: dict[str, Any] = {"MetricName": transformation["metricName"], "Value": value,
                             "Dimensions": dims, "Timestamp": at.astimezone(UTC).replace(tzinfo=None)}
    if transformation.get("unit"):
        datum["Unit"] = transformation["unit"]
    cw.put_metric_data(transformation["metricNamespace"], [datum])
    return {"namespace": transformation["metricNamespace"], "metric": transformation["metricName"],
            "value": value, "dimensions": dims}


def _statistic(values: list[float], statistic: str) -> float | None:
    if not values:
        return None
    return {"Sum": sum(values), "SampleCount": float(len(values)), "Maximum": max(values),
            "Minimum": min(values), "Average": sum(values) / len(values)}.get(statistic)


def _evaluate_alarms(cw: Any, published: dict[str, Any], now: dt.datetime) -> list[dict[str, Any]]:
    """Evaluates the alarms on a metric just published, as CloudWatch does: the statistic of
    each of the last EvaluationPeriods periods against the threshold, ALARM when
    DatapointsToAlarm of them breach (missing data as TreatMissingData says). A change to ALARM
    goes through SetAlarmState (history items, actions)."""
    out = []
    dims = {(d["Name"], d["Value"]) for d in published["dimensions"]}
    for alarm in list(cw.alarms.values()):
        if alarm.namespace != published["namespace"] or alarm.metric_name != published["metric"]:
            continue
        if {(d.name, d.value) for d in alarm.dimensions} != dims:
            continue
        entry: dict[str, Any] = {"alarm": alarm.name, "state_before": alarm.state_value}
        out.append(entry)
        compare = COMPARISONS.get(alarm.comparison_operator)
        if compare is None or not alarm.statistic:
            entry["unevaluated"] = "the launcher evaluates static thresholds with a statistic only"
            continue
        period = int(alarm.period or 60)
        periods = int(alarm.evaluation_periods or 1)
        needed = int(alarm.datapoints_to_alarm or periods)
        breaching, shown = 0, []
        for i in range(periods):
            end = now - dt.timedelta(seconds=period * i)
            start = end - dt.timedelta(seconds=period)
            values = [
                d.value for d in cw.metric_data
                if getattr(d, "value", None) is not None and d.namespace == alarm.namespace
                and d.name == alarm.metric_name and {(x.name, x.value) for x in d.dimensions} == dims
                and start < (d.timestamp if d.timestamp.tzinfo else d.timestamp.replace(tzinfo=UTC)) <= end
            ]
            stat = _statistic(values, alarm.statistic)
            if stat is None:
                if alarm.treat_missing_data == "breaching":
                    breaching += 1
                continue
            shown.append(f"{stat} ({start.strftime('%d/%m/%y %H:%M:%S')})")
            if compare[0](stat, float(alarm.threshold)):
                breaching += 1
        entry["breaching_periods"] = breaching
        if breaching >= needed and alarm.state_value != "ALARM":
            reason = (f"Threshold Crossed: {breaching} out of the last {periods} datapoints "
                      f"[{', '.join(shown)}] was {compare[1]} the threshold ({float(alarm.threshold)}) "
                      f"(minimum {needed} datapoint for OK -> ALARM transition).")
            data = json.dumps({"version": "1.0", "queryDate": now.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
                               "statistic": alarm.statistic, "period": period,
                               "threshold": float(alarm.threshold)})
            cw.set_alarm_state(alarm.name, reason, data, "ALARM")
        entry["state_after"] = alarm.state_value
    return out


def deliver(record: dict[str, Any], trails: list[tuple[Any, str | None]]) -> None:
    """Delivers one CloudTrail event down the chain of every trail that recorded it (timer
    thread). `trails`: each trail and why it did not record the event, judged when the call was
    made (a trail records what happens while it logs)."""
    from moto.cloudwatch.models import cloudwatch_backends
    from moto.logs.models import logs_backends

    at = dt.datetime.fromisoformat(record["eventTime"].replace("Z", "+00:00"))
    with DELIVERY_LOCK:
        for trail, skip in trails:
            entry: dict[str, Any] = {"event_id": record["eventID"], "event_name": record["eventName"],
                                     "account_id": record["recipientAccountId"], "trail": trail.arn,
                                     "delivered_at": dt.datetime.now(UTC).isoformat()}
            DELIVERY["deliveries"].append(entry)
            if skip is None and not trail.cw_log_group_arn:
                skip = "the trail does not deliver to CloudWatch Logs"
            if skip is not None:
                entry["skipped"] = skip
                continue
            parts = trail.cw_log_group_arn.split(":")
            if len(parts) < 7:
                entry["skipped"] = f"CloudWatchLogsLogGroupArn {trail.cw_log_group_arn} is not a log group ARN"
                continue
            region, account, group = parts[3], parts[4], parts[6]
            entry["log_group"] = trail.cw_log_group_arn
            logs = logs_backends[account][region]
            if group not in logs.groups:
                entry["skipped"] = "the log group does not exist"
                continue
            stream = f"{trail.account_id}_CloudTrail_{record['awsRegion']}"
            message = json.dumps(record)
            logs.ensure_log_stream(group, stream)
            logs.put_log_events(group, stream, [{"timestamp": int(at.timestamp() * 1000), "message": message}])
            entry["log_stream"] = stream
            cw = cloudwatch_backends[account][region]
            entry["filters"] = []
            for f in list(logs.filters.metric_filters):
                if f["logGroupName"] != group:
                    continue
                result: dict[str, Any] = {"filter": f["filterName"]}
                entry["filters"].append(result)
                try:
                    matched = _matches(_json_pattern(f["filterPattern"]), message)
                except UnsupportedPattern:
                    # Not evaluated, so not counted: no metric, and the delivery log says why.
                    result["unevaluated"] = "the launcher evaluates only JSON patterns joined by &&"
                    print(f"launcher: metric filter {f['filterName']} not evaluated: {f['filterPattern']}",
                          file=sys.stderr)
                    continue
                result["matched"] = matched
                for t in f["metricTransformations"] or []:
                    published = _publish(cw, t, record if matched else None, at)
                    if published is None:
                        continue
                    result.setdefault("published", []).append(published)
                    result.setdefault("alarms", []).extend(
                        _evaluate_alarms(cw, published, dt.datetime.now(UTC)))


def _deliver_logged(record: dict[str, Any], trails: list[tuple[Any, str | None]]) -> None:
    try:
        deliver(record, trails)
    except Exception:  # a timer thread's failure would otherwise vanish
        import traceback

        with DELIVERY_LOCK:
            DELIVERY["deliveries"].append({"event_id": record.get("eventID"), "error": traceback.format_exc()})
        print(f"launcher: delivery of {record.get('eventID')} failed:\n{traceback.format_exc()}", file=sys.stderr)


def schedule_delivery(record: dict[str, Any]) -> None:
    with DELIVERY_LOCK:
        delay = float(DELIVERY["delay_seconds"])
        trails = [(t, _trail_skips(t, record)) for t in _trails_recording(record["recipientAccountId"])]
    timer = threading.Timer(delay, _deliver_logged, (record, trails))
    timer.daemon = True
    timer.start()


def install_patches() -> None:
    _patch_iam()
    _patch_cloudwatch()
    _patch_cloudtrail()
    _patch_sns()
    _patch_logs()


# --------------------------------------------------------------------------
# account:ListRegions (moto has no implementation)
# --------------------------------------------------------------------------

ENABLED_BY_DEFAULT = (
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1",
    "ap-southeast-2", "ca-central-1", "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2",
    "eu-west-3", "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
)


def default_regions() -> dict[str, str]:
    names = set(_BOTO.get_available_regions("ec2")) | set(ENABLED_BY_DEFAULT)
    return {n: ("ENABLED_BY_DEFAULT" if n in ENABLED_BY_DEFAULT else "DISABLED") for n in sorted(names)}


def list_regions(req: "AwsRequest", body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
    try:
        params = json.loads(body) if body.strip() else {}
    except ValueError:
        params = {}
    account = params.get("AccountId") or req.account
    with STATE.lock:
        table = STATE.regions.get(account) or STATE.regions.get("*") or default_regions()
        table = dict(table)
    wanted = params.get("RegionOptStatusContains") or []
    rows = [
        {"RegionName": name, "RegionOptStatus": status}
        for name, status in sorted(table.items())
        if not wanted or status in wanted
    ]
    start = int(params.get("NextToken") or 0)
    size = int(params.get("MaxResults") or 20)
    page = rows[start : start + size]
    out: dict[str, Any] = {"Regions": page}
    if start + size < len(rows):
        out["NextToken"] = str(start + size)
    payload = json.dumps(out).encode()
    return 200, [("Content-Type", "application/json"), ("x-amzn-RequestId", _request_id()),
                 ("Content-Length", str(len(payload)))], payload


# --------------------------------------------------------------------------
# CBOR <-> JSON, driven by botocore shapes
# --------------------------------------------------------------------------


def _epoch(value: dt.datetime) -> float:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return calendar.timegm(value.utctimetuple()) + value.microsecond / 1e6


def _to_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        try:
            return dt.datetime.fromtimestamp(float(value), UTC)
        except ValueError:
            pass
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise TypeError(f"not a timestamp: {value!r}")


def cbor_to_json(value: Any, shape: Any) -> Any:
    """Decoded CBOR request value -> JSON-compatible value for awsJson1_0."""
    type_name = getattr(shape, "type_name", None)
    if value is None:
        return None
    if isinstance(value, cbor2.CBORTag):
        value = value.value if value.tag != 1 else dt.datetime.fromtimestamp(value.value, UTC)
    if type_name == "structure" and isinstance(value, dict):
        members = shape.members
        return {k: cbor_to_json(v, members.get(k)) for k, v in value.items() if v is not None}
    if type_name == "list" and isinstance(value, list):
        return [cbor_to_json(v, shape.member) for v in value]
    if type_name == "map" and isinstance(value, dict):
        return {str(k): cbor_to_json(v, shape.value) for k, v in value.items()}
    if isinstance(value, dt.datetime):
        return _epoch(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, dict):
        return {str(k): cbor_to_json(v, None) for k, v in value.items()}
    if isinstance(value, list):
        return [cbor_to_json(v, None) for v in value]
    if type_name in ("double", "float") and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def json_to_cbor(value: Any, shape: Any) -> Any:
    """moto's awsJson1_0 response value -> CBOR-ready value (shape-typed)."""
    type_name = getattr(shape, "type_name", None)
    if value is None:
        return None
    if type_name == "structure" and isinstance(value, dict):
        out = {}
        for k, v in value.items():
            conv = json_to_cbor(v, shape.members.get(k))
            if conv is not None:
                out[k] = conv
        return out
    if type_name == "list" and isinstance(value, list):
        return [json_to_cbor(v, shape.member) for v in value]
    if type_name == "map" and isinstance(value, dict):
        return {k: json_to_cbor(v, shape.value) for k, v in value.items()}
    if type_name == "timestamp":
        return cbor2.CBORTag(1, float(_epoch(_to_datetime(value))))
    if type_name == "blob":
        if isinstance(value, str):
            return base64.b64decode(value)
        return bytes(value)
    if type_name in ("double", "float"):
        return float(value)
    if type_name in ("integer", "long", "short", "byte"):
        return int(value)
    if type_name == "boolean":
        return bool(value) if not isinstance(value, str) else value.lower() == "true"
    if type_name == "string":
        return value if isinstance(value, str) else str(value)
    return value


# --------------------------------------------------------------------------
# Request classification
# --------------------------------------------------------------------------

_CRED_RE = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request")
_CBOR_PATH_RE = re.compile(r"^/service/([^/]+)/operation/([^/]+)/?$")


class AwsRequest:
    def __init__(self) -> None:
        self.protocol = "unknown"  # query | json | cbor | rest | unknown
        self.service = "unknown"  # IAM action prefix
        self.operation = "Unknown"
        self.region = "us-east-1"
        self.account = DEFAULT_ACCOUNT_ID
        self.access_key = ""
        self.params: dict[str, str] = {}
        self.cbor_service: str | None = None  # botocore name when protocol == cbor
        self.cbor_target_prefix: str | None = None
        self.rest_protocol = "rest-json"  # rest-json | rest-xml, when protocol == rest

    @property
    def action(self) -> str:
        return f"{self.service}:{self.operation}"


def _header(environ: dict[str, Any], name: str) -> str:
    key = name.upper().replace("-", "_")
    if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        key = "HTTP_" + key
    return environ.get(key, "") or ""


def _account_for(environ: dict[str, Any], access_key: str) -> str:
    """Same priority as moto's BaseResponse.get_current_account."""
    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    forced = _header(environ, "x-moto-account-id")
    if forced:
        return forced
    from moto.iam.models import get_account_id_from

    auth = _header(environ, "Authorization")
    match = BaseResponse.access_key_regex.search(auth) if auth else None
    key = match.group(1) if match else access_key
    if not key:
        return DEFAULT_ACCOUNT_ID
    return get_account_id_from(key)


_REST_ROUTES: dict[str, Any] = {}


def _rest_routes(signing: str) -> tuple[str, list[tuple[str, Any, set[str], str]]] | None:
    """(protocol, [(method, path regex, literal query keys, operation)]) for a signing name."""
    with _MODELS_LOCK:
        if signing in _REST_ROUTES:
            return _REST_ROUTES[signing]
    try:
        model = service_model({"events": "events"}.get(signing, signing))
    except Exception:
        model = None
    routes = None
    if model is not None and model.protocol in ("rest-json", "rest-xml"):
        table = []
        for name in model.operation_names:
            http = model.operation_model(name).http
            uri = http.get("requestUri", "/")
            path, _, qs = uri.partition("?")
            keys = {kv.split("=", 1)[0] for kv in qs.split("&") if kv}
            rx = re.escape(path)
            rx = re.sub(r"\\\{[^}]+\\\+\\\}", ".+", rx)
            rx = re.sub(r"\\\{[^}]+\\\}", "[^/]+", rx)
            table.append((http.get("method", "POST"), re.compile("^" + rx + "/?$"), keys, name))
        routes = (model.protocol, table)
    with _MODELS_LOCK:
        _REST_ROUTES[signing] = routes
    return routes


def _rest_operation(signing: str, method: str, path: str, query: str) -> tuple[str, str] | None:
    routes = _rest_routes(signing)
    if not routes:
        return None
    protocol, table = routes
    present = {k for k, _ in urllib.parse.parse_qsl(query, keep_blank_values=True)}
    best = None
    for m, rx, keys, name in table:
        if m == method and rx.match(path) and keys <= present:
            score = (len(keys), -rx.pattern.count("[^/]+") - rx.pattern.count(".+"))
            if best is None or score > best[0]:
                best = (score, name)
    return (protocol, best[1]) if best else (protocol, "")


def classify(environ: dict[str, Any], body: bytes) -> AwsRequest | None:
    auth = _header(environ, "Authorization")
    path = environ.get("PATH_INFO", "") or "/"
    target = _header(environ, "X-Amz-Target")
    ctype = _header(environ, "Content-Type").lower()
    req = AwsRequest()
    m = _CRED_RE.search(auth)
    signing = None
    if m:
        req.access_key, _, req.region, signing = m.group(1), m.group(2), m.group(3), m.group(4)
        req.service = SIGNING_TO_PREFIX.get(signing, signing)
    cbor_match = _CBOR_PATH_RE.match(path)
    if cbor_match and environ.get("REQUEST_METHOD") == "POST" and (
        "cbor" in ctype or "rpc-v2-cbor" in _header(environ, "smithy-protocol")
    ):
        svc = CBOR_SERVICES.get(cbor_match.group(1))
        req.protocol = "cbor"
        req.operation = cbor_match.group(2)
        req.cbor_target_prefix = cbor_match.group(1)
        if svc:
            req.cbor_service, req.service = svc
    elif target:
        req.protocol = "json"
        req.operation = target.rsplit(".", 1)[-1]
    elif "x-www-form-urlencoded" in ctype or "Action=" in environ.get("QUERY_STRING", ""):
        params = dict(urllib.parse.parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        if "x-www-form-urlencoded" in ctype and body:
            params.update(urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        req.params = params
        req.protocol = "query"
        req.operation = params.get("Action", "Unknown")
    elif m:
        req.protocol = "rest"
        method = environ.get("REQUEST_METHOD", "GET")
        resolved = _rest_operation(signing or "", method, path, environ.get("QUERY_STRING", ""))
        if resolved is not None:
            req.rest_protocol = resolved[0]
        req.operation = resolved[1] if resolved and resolved[1] else f"{method} {path}"
    else:
        return None  # not an AWS API request (e.g. /moto-api, dashboards)
    session = STATE.root_session(req.access_key)
    req.account = session.account if session else _account_for(environ, req.access_key)
    return req


# --------------------------------------------------------------------------
# Error rendering
# --------------------------------------------------------------------------


def _request_id() -> str:
    return str(uuid.uuid4())


def _default_status(code: str, protocol: str) -> int:
    if protocol in ("query", "cbor", "rest") and code in (
        "AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
        "InvalidClientTokenId", "ExpiredToken", "SignatureDoesNotMatch",
    ):
        return 403
    if code in ("InternalFailure", "InternalError", "ServiceUnavailable", "ServiceUnavailableException"):
        return 500 if code.startswith("Internal") else 503
    return 400


def render_error(req: AwsRequest, code: str, message: str, status: int | None, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    status = int(status) if status else _default_status(code, req.protocol)
    rid = _request_id()
    if req.protocol == "cbor":
        body = cbor2.dumps({"__type": code, "message": message})
        headers = [
            ("Content-Type", "application/cbor"),
            ("smithy-protocol", "rpc-v2-cbor"),
            ("x-amzn-query-error", f"{code};Sender"),
            ("x-amzn-RequestId", rid),
        ]
    elif req.protocol == "rest" and req.rest_protocol == "rest-json":
        body = json.dumps({"message": message}).encode()
        headers = [
            ("Content-Type", "application/json"),
            ("x-amzn-ErrorType", code),
            ("x-amzn-RequestId", rid),
        ]
    elif req.protocol == "json":
        ctype = _header(environ, "Content-Type") or "application/x-amz-json-1.1"
        body = json.dumps({"__type": code, "message": message}).encode()
        headers = [
            ("Content-Type", ctype),
            ("x-amzn-ErrorType", code),
            ("x-amzn-RequestId", rid),
        ]
    else:
        xmlns = QUERY_XMLNS.get(req.service, f"https://{req.service}.amazonaws.com/doc/")
        msg = (message.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
        kind = "Receiver" if status >= 500 else "Sender"
        body = (
            f'<ErrorResponse xmlns="{xmlns}"><Error><Type>{kind}</Type><Code>{code}</Code>'
            f"<Message>{msg}</Message></Error><RequestId>{rid}</RequestId></ErrorResponse>"
        ).encode()
        headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", rid)]
    headers.append(("Content-Length", str(len(body))))
    return status, headers, body


def _fault_message(rule: FaultRule, req: AwsRequest) -> str:
    if rule.message:
        return rule.message
    code = rule.code.lower()
    if "throttl" in code or "limit" in code:
        return "Rate exceeded"
    if "denied" in code or "unauthorized" in code:
        principal = f"arn:aws:iam::{req.account}:user/rootwarden-test"
        resource = f" on resource: {req.params['RoleArn']}" if req.params.get("RoleArn") else ""
        return f"User: {principal} is not authorized to perform: {req.action}{resource}"
    return f"Injected fault {rule.code} for {req.action}"


# --------------------------------------------------------------------------
# sts:AssumeRoot and privileged root sessions (centralized root access)
# --------------------------------------------------------------------------

# The AWS managed task policies (arn:PARTITION:iam::aws:policy/root-task/NAME) and the actions
# each allows (policy version 1).
TASK_POLICIES: dict[str, tuple[str, ...]] = {
    "IAMAuditRootUserCredentials": (
        "iam:GetAccessKeyLastUsed", "iam:GetLoginProfile", "iam:GetUser", "iam:ListAccessKeys",
        "iam:ListMFADevices", "iam:ListSigningCertificates",
    ),
    "IAMCreateRootUserPassword": ("iam:CreateLoginProfile", "iam:GetLoginProfile"),
    "IAMDeleteRootUserCredentials": (
        "iam:DeactivateMFADevice", "iam:DeleteAccessKey", "iam:DeleteLoginProfile",
        "iam:DeleteSigningCertificate", "iam:DeleteVirtualMFADevice", "iam:GetAccessKeyLastUsed",
        "iam:GetLoginProfile", "iam:GetUser", "iam:ListAccessKeys", "iam:ListMFADevices",
        "iam:ListSigningCertificates",
    ),
    "S3UnlockBucketPolicy": (
        "s3:DeleteBucketPolicy", "s3:GetBucketPolicy", "s3:ListAllMyBuckets", "s3:PutBucketPolicy",
    ),
    "SQSUnlockQueuePolicy": (
        "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ListQueues", "sqs:SetQueueAttributes",
    ),
}

MAX_ROOT_SESSION_SECONDS = 900
IAM_XMLNS = QUERY_XMLNS["iam"]
STS_XMLNS = QUERY_XMLNS["sts"]


class RootSession:
    """Temporary credentials of a member account's root user, scoped by one task policy."""

    def __init__(self, account: str, policy: str, caller: str, seconds: int):
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
        raw = uuid.uuid4().int
        self.access_key = "ASIA" + "".join(alphabet[(raw >> (5 * i)) & 31] for i in range(16))
        self.secret = uuid.uuid4().hex + uuid.uuid4().hex[:8]
        self.token = base64.b64encode(uuid.uuid4().bytes * 4).decode()
        self.account = account
        self.policy = policy
        self.caller = caller
        self.created = dt.datetime.now(UTC).replace(microsecond=0)
        self.expires = self.created + dt.timedelta(seconds=seconds)

    def allows(self, action: str) -> bool:
        return action in TASK_POLICIES[self.policy]


def _organization_of(account: str) -> tuple[str, Any, Any] | None:
    """(management account id, organization, management's organizations backend), or None."""
    from moto.organizations.models import organizations_backends

    own = organizations_backends[account]["aws"]
    if own.org is not None:
        return account, own.org, own
    mgmt = _management_account_of(account)
    if mgmt is None:
        return None
    backend = organizations_backends[mgmt]["aws"]
    return (mgmt, backend.org, backend) if backend.org is not None else None


def _query_response(service: str, op: str, result: str) -> tuple[int, list[tuple[str, str]], bytes]:
    xmlns = {"iam": IAM_XMLNS, "sts": STS_XMLNS}[service]
    inner = f"<{op}Result>{result}</{op}Result>" if result else ""
    body = (
        f'<{op}Response xmlns="{xmlns}">{inner}'
        f"<ResponseMetadata><RequestId>{_request_id()}</RequestId></ResponseMetadata></{op}Response>"
    ).encode()
    return 200, [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))], body


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def assume_root(req: "AwsRequest", environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    """STS AssumeRoot as documented: from the management account or IAM's delegated
    administrator, with RootSessions enabled, on a member account, with one of the root task
    policies, for at most 900 seconds."""
    def fail(code: str, message: str) -> tuple[int, list[tuple[str, str]], bytes]:
        return render_error(req, code, message, None, environ)

    target = req.params.get("TargetPrincipal")
    policy_arn = req.params.get("TaskPolicyArn.arn")
    if not target:
        return fail("ValidationError", "1 validation error detected: Value null at 'targetPrincipal' failed to satisfy constraint: Member must not be null")
    if not policy_arn:
        return fail("ValidationError", "1 validation error detected: Value null at 'taskPolicyArn' failed to satisfy constraint: Member must not be null")
    seconds_text = req.params.get("DurationSeconds", str(MAX_ROOT_SESSION_SECONDS))
    try:
        seconds = int(seconds_text)
    except ValueError:
        return fail("ValidationError", f"Value '{seconds_text}' at 'durationSeconds' failed to satisfy constraint: Member must be a number")
    if seconds > MAX_ROOT_SESSION_SECONDS or seconds < 0:
        return fail("ValidationError", f"1 validation error detected: Value '{seconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to {MAX_ROOT_SESSION_SECONDS}")
    m = re.fullmatch(r"arn:(aws[a-z-]*):iam::aws:policy/root-task/([A-Za-z0-9]+)", policy_arn)
    if not m or m.group(2) not in TASK_POLICIES:
        return fail("ValidationError", f"The task policy {policy_arn} is not a root task policy; expected arn:aws:iam::aws:policy/root-task/ followed by one of {', '.join(sorted(TASK_POLICIES))}")
    member = _target_account(target)
    if member is None:
        return fail("ValidationError", f"TargetPrincipal {target} is neither an account id nor an account root ARN")
    denied = f"User: arn:aws:iam::{req.account}:user/rootwarden-test is not authorized to perform: sts:AssumeRoot on resource: arn:aws:iam::{member}:root"
    org = _organization_of(req.account)
    if org is None:
        return fail("AccessDenied", denied + " because the caller is not in an organization")
    mgmt, organization, backend = org
    if req.account != mgmt and not any(
        a.account.id == req.account and "iam.amazonaws.com" in a.services for a in backend.admins
    ):
        return fail("AccessDenied", denied + " because the caller is neither the management account nor the delegated administrator for IAM")
    from moto.iam.models import iam_backends

    features = getattr(iam_backends[mgmt]["aws"], "_rw_org_features", [])
    if "RootSessions" not in features:
        return fail("AccessDenied", denied + " because privileged root actions in member accounts (RootSessions) are not enabled for the organization")
    if member == mgmt or not any(a.id == member for a in backend.accounts):
        return fail("AccessDenied", denied + f" because {member} is not a member account of organization {organization.id}")
    session = RootSession(member, m.group(2), req.account, seconds)
    with STATE.lock:
        STATE.root_sessions[session.access_key] = session
    return _query_response("sts", "AssumeRoot", (
        f"<Credentials><AccessKeyId>{session.access_key}</AccessKeyId>"
        f"<SecretAccessKey>{session.secret}</SecretAccessKey>"
        f"<SessionToken>{session.token}</SessionToken>"
        f"<Expiration>{session.expires.strftime('%Y-%m-%dT%H:%M:%SZ')}</Expiration></Credentials>"
    ))


def serve_root_session(session: RootSession, req: "AwsRequest", environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes] | None:
    """A request signed with a root session's credentials: refused when expired, when its token
    is wrong, or outside the task policy; root's own credentials are answered here from the
    simulated root user; None lets moto answer (as the member account)."""
    def fail(code: str, message: str, status: int | None = None) -> tuple[int, list[tuple[str, str]], bytes]:
        return render_error(req, code, message, status, environ)

    if _header(environ, "X-Amz-Security-Token") != session.token:
        return fail("InvalidClientTokenId", "The security token included in the request is invalid.")
    if dt.datetime.now(UTC) >= session.expires:
        return fail("ExpiredToken", "The security token included in the request is expired")
    root_arn = f"arn:aws:iam::{session.account}:root"
    if not session.allows(req.action):
        return fail("AccessDenied", f"User: {root_arn} is not authorized to perform: {req.action} on resource: {root_arn} because no session policy allows the {req.action} action")
    if req.service != "iam":
        return None
    with STATE.lock:
        spec = STATE.roots.get(session.account)
        if spec is None:
            spec = RootSpec({"account_id": session.account, "password": False})
            STATE.roots[session.account] = spec
        return _root_credentials_call(spec, req, environ)


def _root_credentials_call(spec: RootSpec, req: "AwsRequest", environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    """IAM calls on root's own credentials, answered from (and applied to) the simulated root."""
    op, params = req.operation, req.params

    def missing(message: str) -> tuple[int, list[tuple[str, str]], bytes]:
        return render_error(req, "NoSuchEntity", message, 404, environ)

    def key(key_id: str | None) -> dict[str, Any] | None:
        return next((k for k in spec.access_keys if k["id"] == key_id), None)

    created = _xml_time(spec.user_creation_time)
    if op == "GetLoginProfile":
        if not spec.password:
            return missing("Login Profile for User root cannot be found.")
        return _query_response("iam", op, f"<LoginProfile><CreateDate>{created}</CreateDate><PasswordResetRequired>false</PasswordResetRequired></LoginProfile>")
    if op == "CreateLoginProfile":
        if spec.password:
            return render_error(req, "EntityAlreadyExists", "Login Profile for User root already exists.", 409, environ)
        spec.password = True
        return _query_response("iam", op, f"<LoginProfile><CreateDate>{created}</CreateDate><PasswordResetRequired>false</PasswordResetRequired></LoginProfile>")
    if op == "DeleteLoginProfile":
        if not spec.password:
            return missing("Login Profile for User root cannot be found.")
        spec.password = False
        return _query_response("iam", op, "")
    if op == "ListAccessKeys":
        members = "".join(
            f"<member><AccessKeyId>{k['id']}</AccessKeyId><Status>{'Active' if k['active'] else 'Inactive'}</Status>"
            f"<CreateDate>{_xml_time(k['last_rotated'])}</CreateDate></member>"
            for k in spec.access_keys
        )
        return _query_response("iam", op, f"<AccessKeyMetadata>{members}</AccessKeyMetadata><IsTruncated>false</IsTruncated>")
    if op == "GetAccessKeyLastUsed":
        k = key(params.get("AccessKeyId"))
        if k is None:
            return missing(f"The Access Key with id {params.get('AccessKeyId')} cannot be found.")
        used = f"<LastUsedDate>{_xml_time(k['last_used_date'])}</LastUsedDate>" if k["last_used_date"] != "N/A" else ""
        return _query_response("iam", op, f"<AccessKeyLastUsed>{used}<ServiceName>{k['last_used_service']}</ServiceName><Region>{k['last_used_region']}</Region></AccessKeyLastUsed>")
    if op == "DeleteAccessKey":
        k = key(params.get("AccessKeyId"))
        if k is None:
            return missing(f"The Access Key with id {params.get('AccessKeyId')} cannot be found.")
        spec.access_keys.remove(k)
        return _query_response("iam", op, "")
    if op == "ListSigningCertificates":
        members = "".join(
            f"<member><CertificateId>{c['id']}</CertificateId><CertificateBody>-----BEGIN CERTIFICATE-----</CertificateBody>"
            f"<Status>{'Active' if c['active'] else 'Inactive'}</Status><UploadDate>{_xml_time(c['last_rotated'])}</UploadDate></member>"
            for c in spec.certs
        )
        return _query_response("iam", op, f"<Certificates>{members}</Certificates><IsTruncated>false</IsTruncated>")
    if op == "DeleteSigningCertificate":
        c = next((c for c in spec.certs if c["id"] == params.get("CertificateId")), None)
        if c is None:
            return missing(f"The Certificate with id {params.get('CertificateId')} cannot be found.")
        spec.certs.remove(c)
        return _query_response("iam", op, "")
    if op == "ListMFADevices":
        device = ""
        if spec.mfa != "none":
            device = f"<member><SerialNumber>{_esc(spec.mfa_serial)}</SerialNumber><EnableDate>{_xml_time(spec.mfa_enable_date)}</EnableDate></member>"
        return _query_response("iam", op, f"<MFADevices>{device}</MFADevices><IsTruncated>false</IsTruncated>")
    if op == "DeactivateMFADevice":
        if spec.mfa == "none" or params.get("SerialNumber") != spec.mfa_serial:
            return missing(f"MFA Device with serial number {params.get('SerialNumber')} does not exist.")
        spec.mfa = "none"
        return _query_response("iam", op, "")
    if op == "DeleteVirtualMFADevice":
        virtual = f"arn:aws:iam::{spec.account_id}:mfa/root-account-mfa-device"
        if params.get("SerialNumber") != virtual:
            return missing(f"VirtualMFADevice with serial number {params.get('SerialNumber')} does not exist.")
        if spec.mfa == "virtual":
            return render_error(req, "DeleteConflict", "MFA device is still in use.", 409, environ)
        return _query_response("iam", op, "")
    if op == "GetUser":
        used = ""
        if spec.password_last_used not in ("N/A", "no_information", "not_supported"):
            used = f"<PasswordLastUsed>{_xml_time(spec.password_last_used)}</PasswordLastUsed>"
        return _query_response("iam", op, f"<User><UserId>{spec.account_id}</UserId><Arn>{spec.arn}</Arn><CreateDate>{created}</CreateDate>{used}</User>")
    return render_error(req, "InvalidAction", f"The launcher does not serve {req.action} in a root session.", 400, environ)


# --------------------------------------------------------------------------
# The middleware
# --------------------------------------------------------------------------


def _read_body(environ: dict[str, Any]) -> bytes:
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    length = environ.get("CONTENT_LENGTH")
    if length:
        try:
            body = stream.read(int(length))
        except ValueError:
            body = stream.read()
    elif environ.get("wsgi.input_terminated"):
        body = stream.read()
    else:
        body = b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    return body


def _json_response(start_response: Any, status: int, payload: Any) -> list[bytes]:
    body = json.dumps(payload, indent=1, sort_keys=True).encode()
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}.get(status, "")
    start_response(f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


class RootwardenMiddleware:
    def __init__(self, app: Any, state: State = STATE):
        self.app = app
        self.state = state

    # ---- control API ----
    def control(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        path = environ.get("PATH_INFO", "").rstrip("/")
        method = environ.get("REQUEST_METHOD", "GET")
        body = _read_body(environ)
        query = dict(urllib.parse.parse_qsl(environ.get("QUERY_STRING", "")))
        st = self.state
        try:
            data = json.loads(body) if body.strip() else {}
        except ValueError as exc:
            return _json_response(start_response, 400, {"error": f"invalid JSON: {exc}"})
        try:
            if path == "/_rootwarden/root":
                if method == "POST":
                    if not isinstance(data, dict):
                        raise BadRequest("expected a JSON object")
                    spec = RootSpec(data)
                    with st.lock:
                        st.roots[spec.account_id] = spec
                    return _json_response(start_response, 200, {"ok": True, "account_id": spec.account_id, "row": spec.csv_row().rstrip("\n")})
                if method == "DELETE":
                    account = query.get("account_id") or (data.get("account_id") if isinstance(data, dict) else None)
                    with st.lock:
                        removed = st.roots.pop(account, None) is not None
                    return _json_response(start_response, 200, {"ok": True, "removed": removed})
                if method == "GET":
                    with st.lock:
                        return _json_response(start_response, 200, {a: s.raw for a, s in st.roots.items()})
            elif path == "/_rootwarden/credential_report" and method == "DELETE":
                # Forget an account's report (held or not): the next generation starts afresh.
                account = query.get("account_id") or (data.get("account_id") if isinstance(data, dict) else None)
                if not isinstance(account, str):
                    raise BadRequest("expected ?account_id=...")
                from moto.iam import models as iam_models

                with st.lock:
                    st.held_reports.pop(account, None)
                backend = iam_models.iam_backends[account]["aws"]
                backend._rw_report_time = None
                backend._rw_report_content = None
                return _json_response(start_response, 200, {"ok": True})
            elif path == "/_rootwarden/credential_report" and method == "POST":
                # A report AWS keeps serving instead of regenerating: generated now (content as of
                # now), dated `hours_ago` hours back, and left as it is by later
                # GenerateCredentialReport calls, so changes made after it stay unseen.
                if not isinstance(data, dict) or not isinstance(data.get("account_id"), str):
                    raise BadRequest('expected {"account_id": "...", "hours_ago": number}')
                hours = data.get("hours_ago", 0)
                if not isinstance(hours, (int, float)) or hours < 0:
                    raise BadRequest("hours_ago: expected a number of hours >= 0")
                from moto.iam import models as iam_models

                backend = iam_models.iam_backends[data["account_id"]]["aws"]
                when = dt.datetime.now(UTC).replace(microsecond=0) - dt.timedelta(hours=hours)
                with st.lock:
                    st.held_reports.pop(data["account_id"], None)
                backend._rw_report_time = None
                backend._rw_report_content = None
                backend.generate_report()
                with st.lock:
                    st.held_reports[data["account_id"]] = when
                backend._rw_report_time = when
                return _json_response(start_response, 200, {"ok": True, "generated_at": when.strftime(CSV_DATE)})
            elif path == "/_rootwarden/cloudtrail/events" and method == "POST":
                # Adds CloudTrail records (as in a log file) to an account and region's history.
                if not isinstance(data, dict) or not isinstance(data.get("account_id"), str) \
                        or not isinstance(data.get("region"), str) or not isinstance(data.get("records"), list):
                    raise BadRequest('expected {"account_id": "...", "region": "...", "records": [...]}')
                with EVENT_HISTORY_LOCK:
                    EVENT_HISTORY.setdefault((data["account_id"], data["region"]), []).extend(data["records"])
                return _json_response(start_response, 200, {"ok": True})
            elif path == "/_rootwarden/deny":
                if method == "POST":
                    if not isinstance(data, dict):
                        raise BadRequest("expected a JSON object")
                    with st.lock:
                        rule = FaultRule(st.next_fault, data)
                        st.next_fault += 1
                        st.faults.append(rule)
                    return _json_response(start_response, 200, {"ok": True, "id": rule.id})
                if method == "DELETE":
                    rid = int(query.get("id", data.get("id", 0) if isinstance(data, dict) else 0))
                    with st.lock:
                        before = len(st.faults)
                        st.faults = [f for f in st.faults if f.id != rid]
                        removed = before != len(st.faults)
                    return _json_response(start_response, 200, {"ok": True, "removed": removed})
                if method == "GET":
                    with st.lock:
                        return _json_response(start_response, 200, [f.to_json() for f in st.faults])
            elif path == "/_rootwarden/delivery":
                # CloudTrail's delivery latency for root events, and what each delivery did.
                if method == "POST":
                    delay = data.get("delay_seconds") if isinstance(data, dict) else None
                    if not isinstance(delay, (int, float)) or isinstance(delay, bool) or not 0 <= delay <= 900:
                        raise BadRequest('expected {"delay_seconds": 0 to 900}')
                    with DELIVERY_LOCK:
                        DELIVERY["delay_seconds"] = float(delay)
                if method in ("GET", "POST"):
                    with DELIVERY_LOCK:
                        return _json_response(start_response, 200, json.loads(json.dumps(DELIVERY)))
            elif path == "/_rootwarden/reset" and method == "POST":
                st.reset()
                return _json_response(start_response, 200, {"ok": True})
            elif path == "/_rootwarden/regions":
                if method == "POST":
                    if not isinstance(data, dict) or not isinstance(data.get("regions"), dict):
                        raise BadRequest('expected {"account_id": optional, "regions": {"us-east-1": "ENABLED_BY_DEFAULT", ...}}')
                    allowed = {"ENABLED", "ENABLING", "DISABLING", "DISABLED", "ENABLED_BY_DEFAULT"}
                    bad = {k: v for k, v in data["regions"].items() if v not in allowed}
                    if bad:
                        raise BadRequest(f"regions: unknown RegionOptStatus in {bad}; allowed {sorted(allowed)}")
                    with st.lock:
                        st.regions[data.get("account_id") or "*"] = dict(data["regions"])
                    return _json_response(start_response, 200, {"ok": True})
                if method == "GET":
                    with st.lock:
                        return _json_response(start_response, 200, dict(st.regions) or {"*": default_regions()})
            elif path == "/_rootwarden/sns/confirm" and method == "POST":
                if not isinstance(data, dict) or not isinstance(data.get("topic_arn"), str):
                    raise BadRequest('expected {"topic_arn": "...", "endpoint": optional}')
                arns = confirm_subscriptions(data["topic_arn"], data.get("endpoint"))
                return _json_response(start_response, 200, {"ok": True, "confirmed": arns})
            elif path == "/_rootwarden/config":
                if method == "POST":
                    if not isinstance(data, dict):
                        raise BadRequest("expected a JSON object")
                    with st.lock:
                        if "sns_pending" in data:
                            st.sns_pending = bool(data["sns_pending"])
                if method in ("GET", "POST"):
                    with st.lock:
                        return _json_response(start_response, 200, {"sns_pending": st.sns_pending})
            elif path == "/_rootwarden/unimplemented" and method == "GET":
                with st.lock:
                    return _json_response(start_response, 200, dict(st.unimplemented))
            elif path == "/_rootwarden/calls" and method == "GET":
                with st.lock:
                    if query.get("by") == "region":
                        return _json_response(start_response, 200, st.calls_by_region)
                    return _json_response(start_response, 200, st.calls)
            elif path == "/_rootwarden/calls/reset" and method == "POST":
                with st.lock:
                    st.calls.clear()
                    st.calls_by_region.clear()
                return _json_response(start_response, 200, {"ok": True})
            elif path == "/_rootwarden/connections" and method == "GET":
                # Includes the connection of this request.
                with st.lock:
                    return _json_response(start_response, 200, {"accepted": st.connections})
            elif path == "/_rootwarden/health":
                return _json_response(start_response, 200, {"ok": True})
            else:
                return _json_response(start_response, 404, {"error": f"no control endpoint {method} {path}"})
            return _json_response(start_response, 405, {"error": f"{method} not allowed on {path}"})
        except BadRequest as exc:
            return _json_response(start_response, 400, {"error": str(exc)})

    # ---- AWS requests ----
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "") or "/"
        if path.startswith("/_rootwarden"):
            return self.control(environ, start_response)
        if path.startswith("/moto-api"):
            return self.app(environ, start_response)
        body = _read_body(environ)
        req = classify(environ, body)
        if req is None:
            return self.app(environ, start_response)
        self.state.count(req)
        session = self.state.root_session(req.access_key)
        if session is None or req.action == "sts:AssumeRoot":
            return self.dispatch(environ, start_response, req, body)
        # A call of a root session: CloudTrail records it (errors included) once answered.
        at = dt.datetime.now(UTC)
        answered: dict[str, str] = {}

        def recording_start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            answered["status"] = status
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        payload = b"".join(self.dispatch(environ, recording_start_response, req, body))
        error_code = None
        if not answered.get("status", "200").startswith("2"):
            m = re.search(rb"<Code>([A-Za-z.]+)</Code>|\"__type\"\s*:\s*\"(?:[^\"#]*#)?([A-Za-z.]+)\"", payload)
            error_code = (m.group(1) or m.group(2)).decode() if m else "UnknownError"
        schedule_delivery(root_event_record(session, req, environ, at, error_code))
        return [payload]

    def dispatch(self, environ: dict[str, Any], start_response: Any, req: "AwsRequest", body: bytes) -> Any:
        rule = self.state.fault_for(req)
        if rule is not None:
            status, headers, payload = render_error(req, rule.code, _fault_message(rule, req), rule.status, environ)
            start_response(f"{status} {_reason(status)}", headers)
            return [payload]
        if req.action == "sts:AssumeRoot":
            status, headers, payload = assume_root(req, environ)
            start_response(f"{status} {_reason(status)}", headers)
            return [payload]
        session = self.state.root_session(req.access_key)
        if session is not None:
            answer = serve_root_session(session, req, environ)
            if answer is not None:
                status, headers, payload = answer
                start_response(f"{status} {_reason(status)}", headers)
                return [payload]
            # Allowed, and not about root's own credentials: moto answers, as the member.
            environ["HTTP_X_MOTO_ACCOUNT_ID"] = session.account
        if req.action == "logs:TestMetricFilter":
            answer = test_metric_filter(req, body, environ)
            if answer is None:
                self.state.note_unimplemented(req.action)
                answer = render_error(req, "NotImplemented",
                                      "the launcher evaluates only JSON patterns joined by &&", 501, environ)
            status, headers, payload = answer
            start_response(f"{status} {_reason(status)}", headers)
            return [payload]
        if req.action == "account:ListRegions":
            status, headers, payload = list_regions(req, body)
            start_response(f"{status} {_reason(status)}", headers)
            return [payload]
        if req.protocol == "cbor":
            status, headers, payload = self.forward_cbor(environ, body, req)
            start_response(f"{status} {_reason(status)}", headers)
            return [payload]
        try:
            return self.app(environ, start_response)
        except Exception as exc:
            # moto raised instead of answering (e.g. NotImplementedError for an
            # operation it lacks): answer in the service's protocol so the SDK
            # reports a readable error instead of failing to parse an HTML page.
            if isinstance(exc, NotImplementedError):
                self.state.note_unimplemented(req.action)
                code, status_code, message = "NotImplemented", 501, f"moto: {exc}"
            else:
                code, status_code, message = "InternalFailure", 500, f"moto raised {type(exc).__name__}: {exc}"
            status, headers, payload = render_error(req, code, message, status_code, environ)
            start_response(f"{status} {_reason(status)}", headers)
            return [payload]

    def forward_cbor(self, environ: dict[str, Any], body: bytes, req: AwsRequest) -> tuple[int, list[tuple[str, str]], bytes]:
        if req.cbor_service is None:
            return render_error(req, "UnknownOperationException",
                                f"rpc-v2-cbor service {req.cbor_target_prefix} is not translated by the rootwarden launcher",
                                404, environ)
        model = service_model(req.cbor_service)
        try:
            op = model.operation_model(req.operation)
        except Exception:
            return render_error(req, "UnknownOperationException", f"unknown operation {req.operation}", 404, environ)
        try:
            decoded = cbor2.loads(body) if body else {}
        except Exception as exc:
            return render_error(req, "SerializationException", f"invalid CBOR body: {exc}", 400, environ)
        payload = cbor_to_json(decoded, op.input_shape) if op.input_shape is not None else {}
        json_body = json.dumps(payload or {}).encode()

        env = dict(environ)
        env["PATH_INFO"] = "/"
        env["RAW_URI"] = "/"
        env["REQUEST_URI"] = "/"
        env["QUERY_STRING"] = ""
        env["CONTENT_TYPE"] = "application/x-amz-json-1.0"
        env["CONTENT_LENGTH"] = str(len(json_body))
        env["HTTP_X_AMZ_TARGET"] = f"{req.cbor_target_prefix}.{req.operation}"
        env["HTTP_ACCEPT"] = "application/x-amz-json-1.0"
        env.pop("HTTP_SMITHY_PROTOCOL", None)
        env["wsgi.input"] = io.BytesIO(json_body)

        try:
            app_iter, status_line, moto_headers = run_wsgi_app(self.app, env, buffered=True)
        except NotImplementedError as exc:
            self.state.note_unimplemented(req.action)
            return render_error(req, "NotImplemented", f"moto: {exc}", 501, environ)
        except Exception as exc:  # moto crashed: answer in CBOR rather than an HTML 500
            return render_error(req, "InternalFailure", f"moto raised {type(exc).__name__}: {exc}", 500, environ)
        try:
            raw = b"".join(app_iter)
        finally:
            if hasattr(app_iter, "close"):
                app_iter.close()
        status = int(status_line.split(" ", 1)[0])
        rid = moto_headers.get("x-amzn-RequestId") or moto_headers.get("x-amz-request-id") or _request_id()
        headers = [("smithy-protocol", "rpc-v2-cbor"), ("x-amzn-RequestId", rid)]
        if 200 <= status < 300:
            if op.output_shape is None:
                out = b""
            else:
                try:
                    parsed = json.loads(raw) if raw.strip() else {}
                except ValueError:
                    return render_error(req, "InternalFailure", f"moto returned non-JSON: {raw[:200]!r}", 500, environ)
                out = cbor2.dumps(json_to_cbor(parsed, op.output_shape) or {})
                headers.append(("Content-Type", "application/cbor"))
        else:
            code, message = "InternalFailure", raw.decode("utf-8", "replace")[:500]
            try:
                err = json.loads(raw)
                code = err.get("__type") or moto_headers.get("X-Amzn-Errortype") or code
                message = err.get("message") or err.get("Message") or ""
            except ValueError:
                m = re.search(r"<Code>([^<]+)</Code>", message)
                if m:
                    code = m.group(1)
                    mm = re.search(r"<Message>([^<]*)</Message>", message)
                    message = mm.group(1) if mm else ""
                elif status == 404 or "not been implemented" in message:
                    code = "UnknownOperationException"
            err_body: dict[str, Any] = {"__type": code, "message": message}
            out = cbor2.dumps(err_body)
            headers.append(("Content-Type", "application/cbor"))
            qerr = moto_headers.get("x-amzn-query-error")
            short = code.split("#")[-1]
            headers.append(("x-amzn-query-error", qerr or f"{short};Sender"))
        headers.append(("Content-Length", str(len(out))))
        return status, headers, out


# --------------------------------------------------------------------------
# Server
# --------------------------------------------------------------------------


class KeepAliveRequestHandler(MotoRequestHandler):
    """Keeps HTTP/1.1 connections open between requests, as AWS endpoints do.

    werkzeug's server answers every request with ``Connection: close`` because http.server
    cannot drain a body the application left unread before the next request line. Here the
    whole body is read before the application runs, so the stream always stands at the next
    request, and werkzeug's drain after the response (which would read the next request, or
    block on it) is given an empty stream; a body whose end cannot be told (a bad
    Content-Length) keeps the old behaviour.
    A client that pools connections then opens few, which ``GET /_rootwarden/connections``
    shows.
    """

    keep_alive = False
    _stream: Any = None

    def handle_one_request(self) -> None:
        if self._stream is None:
            self._stream = self.rfile
        self.rfile = self._stream
        super().handle_one_request()

    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        self.keep_alive = False
        length = environ.get("CONTENT_LENGTH") or ""
        try:
            if environ.get("wsgi.input_terminated"):
                body = environ["wsgi.input"].read()
            elif length:
                body = self.rfile.read(int(length))
            else:
                body = b""
        except ValueError:
            return environ
        environ["wsgi.input"] = io.BytesIO(body)
        self.keep_alive = True
        self.rfile = io.BytesIO()
        return environ

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() == "connection" and value.lower() == "close" and self.keep_alive:
            # http.server still closes when the request asked for it (or spoke HTTP/1.0).
            return
        super().send_header(keyword, value)


class RootwardenMotoServer(ThreadedMotoServer):
    plain = False  # --plain: bare moto, for measuring moto's own behaviour

    def _server_entry(self) -> None:
        app: Any = DomainDispatcherApplication(create_backend_app)
        if not self.plain:
            app = RootwardenMiddleware(app)
        handler = MotoRequestHandler if self.plain else KeepAliveRequestHandler
        self._server = make_server(self._ip_address, self._port, app, True, request_handler=handler)
        accept = self._server.get_request

        def counted_accept() -> Any:
            conn = accept()
            STATE.note_connection()
            return conn

        self._server.get_request = counted_accept  # type: ignore[method-assign]
        self._server_ready_event.set()
        self._server.serve_forever()


def _stdin_is_watchable() -> bool:
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (OSError, ValueError, AttributeError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or os.isatty(sys.stdin.fileno())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = any free port")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    parser.add_argument("--ignore-stdin", action="store_true", help="do not stop when stdin closes")
    parser.add_argument("--plain", action="store_true", help="bare moto: no middleware, no patches (to measure moto gaps)")
    args = parser.parse_args(argv)

    logging.getLogger("werkzeug").setLevel(logging.INFO if args.verbose else logging.ERROR)
    if not args.plain:
        install_patches()

    stop = threading.Event()

    def _on_signal(signum: int, _frame: Any) -> None:
        stop.set()

    # Installed before READY is printed: a parent may signal as soon as it reads it.
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)

    server = RootwardenMotoServer(ip_address=args.host, port=args.port, verbose=False)
    server.plain = args.plain
    server.start()
    host, port = server.get_host_and_port()
    real_stdout = sys.stdout
    real_stdout.write(f"READY http://{host}:{port}\n")
    real_stdout.flush()
    # Nothing else may reach stdout (moto prints the odd warning): a parent that
    # stops reading the pipe must never block the server.
    sys.stdout = sys.stderr

    if not args.ignore_stdin and _stdin_is_watchable():
        def _watch_stdin() -> None:
            try:
                while sys.stdin.buffer.read(4096):
                    pass
            except (OSError, ValueError):
                pass
            stop.set()

        threading.Thread(target=_watch_stdin, name="stdin-watch", daemon=True).start()

    while not stop.wait(0.5):
        pass

    stopper = threading.Thread(target=server.stop, daemon=True)
    stopper.start()
    stopper.join(5)
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
