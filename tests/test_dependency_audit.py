"""The dependency audit step fails on a known vulnerability and never passes silently."""

from __future__ import annotations

import importlib.util

from tests.support import servers

spec = importlib.util.spec_from_file_location(
    "audit_dependencies", servers.ROOT / ".ci" / "audit_dependencies.py"
)
audit_dependencies = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit_dependencies)


def report(*dependencies: dict) -> dict:
    return {"dependencies": list(dependencies), "fixes": []}


def test_a_known_vulnerability_fails_the_step(monkeypatch, capsys):
    vulnerable = {
        "name": "werkzeug",
        "version": "2.0.0",
        "vulns": [{"id": "PYSEC-2023-58", "fix_versions": ["2.2.3"]}],
    }
    monkeypatch.setattr(
        audit_dependencies, "run_pip_audit", lambda service: (report(vulnerable), "")
    )
    assert audit_dependencies.main() == 1
    assert "werkzeug 2.0.0: PYSEC-2023-58 (fixed in 2.2.3)" in capsys.readouterr().err


def test_nothing_audited_is_a_loud_skip_or_a_failure_when_required(monkeypatch, capsys):
    unknown = {"name": "flask", "skip_reason": "Dependency not found and could not be audited"}
    answers = {"pypi": (report(unknown), ""), "osv": (None, "ConnectionError: no route")}
    monkeypatch.setattr(audit_dependencies, "run_pip_audit", answers.get)
    monkeypatch.delenv("RECRUIT_REQUIRE_DEP_AUDIT", raising=False)
    assert audit_dependencies.main() == 0
    err = capsys.readouterr().err
    assert "DEPENDENCY AUDIT SKIPPED" in err and "ConnectionError: no route" in err
    monkeypatch.setenv("RECRUIT_REQUIRE_DEP_AUDIT", "1")
    assert audit_dependencies.main() == 1


def test_clean_packages_pass(monkeypatch, capsys):
    clean = {"name": "flask", "version": "3.1.3", "vulns": []}
    monkeypatch.setattr(audit_dependencies, "run_pip_audit", lambda service: (report(clean), ""))
    assert audit_dependencies.main() == 0
    assert "1 packages, no known vulnerabilities" in capsys.readouterr().err
