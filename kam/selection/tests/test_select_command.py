"""`kam select`: the documented JSON, policy files, errors that name the problem."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from django.core.management import call_command
from django.core.management.base import CommandError

from kam.kpis.models import PortfolioAnalysis
from kam.selection.choices import PolicySource, PolicyStatus
from kam.selection.models import SelectionPolicyVersion, SelectionProposal
from kam.selection.tests.fixtures import SMALL_POLICY

pytestmark = pytest.mark.django_db


def select(*arguments: str) -> dict[str, Any]:
    out = StringIO()
    call_command("select", *arguments, "--json", stdout=out)
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(tomli_w.dumps(SMALL_POLICY), encoding="utf-8")
    return path


def test_it_prints_the_documented_proposal(analyses: dict[dt.date, PortfolioAnalysis], policy_file: Path) -> None:
    result = select("--policy", str(policy_file))

    assert [(row["code"], row["kam"], row["quadrant"]) for row in result["selected"]] == [
        ("ACME", "alice", "star"),
        ("BOREAL", "bob", "status"),
    ]
    acme = result["selected"][0]
    assert acme["attractiveness"] == 10.0
    assert acme["strength"] == 3.3333
    assert acme["value"] == 6.6667
    assert acme["contributions"] == {"revenue": 10.0, "share_of_wallet": 3.3333}
    assert [(row["code"], row["reason_code"]) for row in result["rejected"]] == [
        ("COBALT", "below_marginal"),
        ("ACME-IB", "below_marginal"),
        ("DELTA", "not_candidate"),
    ]
    assert result["rejected"][0]["reason"] == "Value 2.92, below the marginal account BOREAL (6.04)."
    assert result["marginal"]["account"] == "BOREAL"
    assert result["solver"]["status"] == "optimal"
    assert result["solver"]["gap"] == 0.0
    assert result["value_of_one_more_kam"] is not None
    assert result["feasible"] is True
    version = SelectionPolicyVersion.objects.get()
    assert (version.source, version.status) == (PolicySource.FILE, PolicyStatus.APPROVED)


def test_the_same_policy_file_twice_reuses_its_version(
    analyses: dict[dt.date, PortfolioAnalysis], policy_file: Path
) -> None:
    first = select("--policy", str(policy_file))
    second = select("--policy", str(policy_file))

    assert first["policy_version"] == second["policy_version"] == 1
    assert SelectionProposal.objects.count() == 2


def test_without_a_policy_it_uses_the_defaults(analyses: dict[dt.date, PortfolioAnalysis]) -> None:
    result = select()

    assert result["policy_version"] == 1
    assert SelectionPolicyVersion.objects.get().source == PolicySource.DEFAULT
    assert len(result["selected"]) + len(result["rejected"]) == 5


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param(
            ["--as-of", "2020-01-01"],
            "No analysis as of 2020-01-01 (analysed dates: 2025-12-31, 2024-12-31)",
            id="unknown_date_case",
        ),
        pytest.param(["--policy", "missing.toml"], "missing.toml: policy file not found", id="missing_file_case"),
        pytest.param(["--round", "99"], "No rating round 99.", id="unknown_round_case"),
    ],
)
def test_it_names_what_is_wrong(analyses: dict[dt.date, PortfolioAnalysis], arguments: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        select(*arguments)

    assert SelectionProposal.objects.count() == 0


def test_a_policy_file_with_a_typo_names_the_key(analyses: dict[dt.date, PortfolioAnalysis], tmp_path: Path) -> None:
    path = tmp_path / "typo.toml"
    path.write_text("[objective]\nvalue = 'margin'\n", encoding="utf-8")

    with pytest.raises(CommandError, match=r"objective\.value must be one of score, profit, lifetime_value"):
        select("--policy", str(path))

    assert SelectionPolicyVersion.objects.count() == 0


def test_before_any_analysis_it_says_to_run_one(db: None) -> None:
    with pytest.raises(CommandError, match="No analysis yet: run `kam analyze` first"):
        select()


def test_an_infeasible_policy_prints_the_conflicts_and_fails(
    analyses: dict[dt.date, PortfolioAnalysis], tmp_path: Path
) -> None:
    document = {**SMALL_POLICY, "capacity": {**SMALL_POLICY["capacity"], "min_key_accounts": 3, "max_key_accounts": 3}}
    path = tmp_path / "too-many.toml"
    path.write_text(tomli_w.dumps(document), encoding="utf-8")
    out = StringIO()

    with pytest.raises(CommandError, match="At least 3 key accounts are wanted, but the KAMs can take only 2"):
        call_command("select", "--policy", str(path), "--json", stdout=out)

    result = json.loads(out.getvalue())
    assert result["feasible"] is False
    assert result["selected"] == []
    assert result["conflicts"] == ["At least 3 key accounts are wanted, but the KAMs can take only 2 accounts in all."]
