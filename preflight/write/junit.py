"""JUnit XML for CI test reports (GitLab, Jenkins, Azure): one test case per rule that ran.

The cases are Report.rules: the rules left on by --select/--ignore (and the config's
select/ignore) that apply to this dataset's kind, label and task. A deselected rule is no
test case at all: it did not pass, it was not checked. A rule fails when it has findings at
or above --fail-on; findings below it go to system-out; a rule that could not run for want
of input (details.skipped) is skipped. A Report built by hand (rules None) gets the rule
pack's rules that apply to its dataset.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from preflight.checks import discover
from preflight.decide.config import RuleConfig, load_rule_pack
from preflight.findings import SEVERITY_RANK, Finding, Report

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    """XML 1.0 cannot hold most control characters: show them escaped instead."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def ran(report: Report) -> list[RuleConfig]:
    """The rule pack entries of the rules that ran, by code (SARIF declares the same ones)."""
    _, pack = load_rule_pack()
    seen = {f.rule for f in report.findings}
    if report.rules is not None:
        names = set(report.rules) | seen
    else:  # a Report built by hand: the rules that apply to its dataset (Check.applies_to)
        checks, ds = discover(), report.dataset
        names = {n for n in pack if n in seen
                 or checks[n].applies_to(str(ds.get("kind", "tabular")), bool(ds.get("label")), ds.get("task"),
                                         len(ds.get("splits") or ()) > 1)}
    return sorted((pack[n] for n in names), key=lambda r: r.code)


def render(report: Report) -> str:
    rules = ran(report)
    bar = SEVERITY_RANK.get(report.fail_on, len(SEVERITY_RANK))  # "never": nothing fails
    path = str(report.dataset["path"])
    suite = ET.Element("testsuite", name="preflight")
    props = ET.SubElement(suite, "properties")
    for key in ("path", "kind", "rows", "label", "task"):
        ET.SubElement(props, "property", name=key, value=_clean(str(report.dataset.get(key))))
    ET.SubElement(props, "property", name="fail_on", value=report.fail_on)
    failures = skipped = 0
    for rule in rules:
        found = [f for f in report.findings if f.rule == rule.name]
        case = ET.SubElement(suite, "testcase", classname=_clean(path), name=f"{rule.code} {rule.name}")
        failing = [f for f in found if SEVERITY_RANK[f.severity] >= bar]
        if failing:
            failures += 1
            worst = max(failing, key=lambda f: SEVERITY_RANK[f.severity]).severity
            failure = ET.SubElement(case, "failure", type=worst, message=_clean(failing[0].message))
            failure.text = _clean(_lines(failing))
        elif found and all(f.details.get("skipped") for f in found):
            skipped += 1
            ET.SubElement(case, "skipped", message=_clean(found[0].message))
            continue
        rest = [f for f in found if f not in failing]
        if rest:
            ET.SubElement(case, "system-out").text = _clean(_lines(rest))
    suite.attrib.update(tests=str(len(rules)), failures=str(failures), errors="0", skipped=str(skipped))
    root = ET.Element("testsuites", name="preflight", tests=str(len(rules)), failures=str(failures),
                      errors="0", skipped=str(skipped))
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _lines(findings: list[Finding]) -> str:
    return "\n".join(f"[{f.severity}] {f.code} {f.rule}: {f.message}" for f in findings)
