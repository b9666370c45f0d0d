"""Audit the locked dependencies (uv.lock) for known vulnerabilities with pip-audit.

Exits 1 only when a vulnerability is found. When pip-audit cannot reach its vulnerability
service (no network, a registry mirror without PyPI's JSON API), it says so plainly and
exits 0: nothing was found, but nothing was checked either.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def main() -> int:
    uv = shutil.which("uv") or str(Path(".tools/bin/uv"))
    with tempfile.TemporaryDirectory() as folder:
        requirements = Path(folder) / "requirements.txt"
        report = Path(folder) / "audit.json"
        subprocess.run(  # noqa: S603 - our own fixed command line
            [uv, "export", "--frozen", "--no-hashes", "--no-emit-project", "--all-groups", "-o", str(requirements)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        command = [sys.executable, "-m", "pip_audit", "--requirement", str(requirements), "--no-deps"]
        command += ["--disable-pip", "--progress-spinner", "off", "--format", "json", "--output", str(report)]
        result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        if not report.exists():
            reason = (result.stderr.strip().splitlines() or ["no output"])[-1]
            print(f"pip-audit could not reach its vulnerability service: {reason}")
            print("NOT AUDITED: no dependency was checked for known vulnerabilities.")
            return 0
        dependencies = json.loads(report.read_text(encoding="utf-8"))["dependencies"]
    vulnerable = [dependency for dependency in dependencies if dependency.get("vulns")]
    skipped = [dependency for dependency in dependencies if "skip_reason" in dependency]
    for dependency in vulnerable:
        for vulnerability in dependency["vulns"]:
            fixes = ", ".join(vulnerability.get("fix_versions", [])) or "no fixed version yet"
            print(f"{dependency['name']} {dependency['version']}: {vulnerability['id']} (fixed in {fixes})")
    audited = len(dependencies) - len(skipped)
    print(f"pip-audit: {audited} of {len(dependencies)} locked dependencies audited, {len(vulnerable)} vulnerable.")
    if skipped:
        print(
            f"NOT AUDITED: {len(skipped)} dependencies, e.g. {skipped[0]['name']}: {skipped[0]['skip_reason']}\n"
            "(pip-audit could not look them up on its vulnerability service from here)."
        )
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
