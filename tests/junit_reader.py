#!/usr/bin/env python3
"""Reads a JUnit XML file with junitparser (an independent reader) and prints what it saw as JSON:
per suite the counts and per case the result kind and message."""
import json
import sys

from junitparser import Error, Failure, JUnitXml, Skipped

xml = JUnitXml.fromfile(sys.argv[1])
out = {"tests": xml.tests, "failures": xml.failures, "errors": xml.errors, "skipped": xml.skipped, "suites": []}
for suite in xml:
    cases = []
    for case in suite:
        kind, message = "pass", None
        for r in case.result:
            if isinstance(r, Failure):
                kind, message = "failure", r.message
            elif isinstance(r, Error):
                kind, message = "error", r.message
            elif isinstance(r, Skipped):
                kind, message = "skipped", r.message
        cases.append({"name": case.name, "kind": kind, "message": message})
    out["suites"].append({"name": suite.name, "tests": suite.tests, "failures": suite.failures,
                          "errors": suite.errors, "skipped": suite.skipped, "cases": cases})
json.dump(out, sys.stdout)
