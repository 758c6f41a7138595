"""Audit the installed Python packages for known vulnerabilities with pip-audit.

Exit 1 when any package has a known vulnerability, or when pip-audit fails. When no
vulnerability service could audit a single package (no network, or a mirror that does not
answer per-version queries), say so loudly and exit 0, unless RECRUIT_REQUIRE_DEP_AUDIT=1,
which makes that a failure too (for a CI that has the network). Never a silent pass.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

SERVICES = ("pypi", "osv")
BANNER = "!" * 88


def say(line: str = "") -> None:
    sys.stderr.write(line + "\n")


def run_pip_audit(service: str) -> tuple[dict | None, str]:
    """pip-audit's JSON report from one service, or None and the reason it gave none."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "pip_audit", "--local", "--skip-editable"]
            + ["--progress-spinner", "off", "--vulnerability-service", service]
            + ["--format", "json", "--output", str(report)],
            capture_output=True,
            text=True,
            timeout=600,
        )
        errors = "\n".join(
            line for line in done.stderr.splitlines() if not line.startswith("WARNING: Location")
        )
        if not report.exists() or not report.read_text().strip():
            last = errors.strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
            return None, last[0]
        return json.loads(report.read_text()), errors


def judge(report: dict) -> tuple[list[str], list[str], int]:
    """(vulnerabilities as lines, packages not audited, packages audited)."""
    found, skipped, audited = [], [], 0
    for dependency in report.get("dependencies", []):
        if "skip_reason" in dependency:
            skipped.append(dependency["name"])
            continue
        audited += 1
        for vulnerability in dependency.get("vulns", []):
            fixes = ", ".join(vulnerability.get("fix_versions", [])) or "none yet"
            found.append(
                f"{dependency['name']} {dependency['version']}: {vulnerability['id']} "
                f"(fixed in {fixes})"
            )
    return found, skipped, audited


def main() -> int:
    reasons = []
    for service in SERVICES:
        report, reason = run_pip_audit(service)
        if report is None:
            reasons.append(f"{service}: {reason}")
            continue
        found, skipped, audited = judge(report)
        if found:
            say("Dependency audit FAILED: installed packages have known vulnerabilities:")
            for line in found:
                say(f"  {line}")
            say("Upgrade them (pyproject.toml and constraints.txt) and run the tests again.")
            return 1
        if audited:
            say(f"Dependency audit ({service}): {audited} packages, no known vulnerabilities.")
            if skipped:
                say(f"  Not audited (unknown to {service}): {', '.join(sorted(skipped))}")
            return 0
        reasons.append(f"{service}: answered, but could audit none of {len(skipped)} packages")
    say(BANNER)
    say("DEPENDENCY AUDIT SKIPPED: no vulnerability service could audit the installed packages.")
    for reason in reasons:
        say(f"  {reason}")
    say("Nothing is known about their vulnerabilities. Run `make audit` where the network")
    say("reaches a vulnerability service (set RECRUIT_REQUIRE_DEP_AUDIT=1 to make this fatal).")
    say(BANNER)
    return 1 if os.environ.get("RECRUIT_REQUIRE_DEP_AUDIT") == "1" else 0


if __name__ == "__main__":
    sys.exit(main())
