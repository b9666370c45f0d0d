from __future__ import annotations

from pathlib import Path

import pytest

from kam_engine.config import AnalysisPolicy, PolicyError, load_policy, parse_policy


def test_an_empty_policy_gives_the_documented_defaults() -> None:
    policy = parse_policy({})

    assert policy == AnalysisPolicy()
    assert (policy.period.months, policy.segmentation.a, policy.segmentation.b) == (12, 0.8, 0.95)
    assert policy.cost_to_serve.rates["rush_order"] == 120.0


def test_rates_are_merged_with_the_defaults_and_numbers_coerced(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("[cost_to_serve.rates]\nvisit = 200\nsample = 15.5\n[period]\nmonths = 24\n", encoding="utf-8")

    policy = load_policy(path)

    assert policy.cost_to_serve.rates == {
        "order": 25.0,
        "order_line": 2.5,
        "delivery": 40.0,
        "rush_order": 120.0,
        "return": 60.0,
        "visit": 200.0,
        "support_ticket": 35.0,
        "sample": 15.5,
    }
    assert policy.period.months == 24


def test_charge_products_are_read_as_a_tuple() -> None:
    policy = parse_policy({"cost_to_serve": {"charge_products": ["PORTES", "GESTION"]}})

    assert policy.cost_to_serve.charge_products == ("PORTES", "GESTION")


@pytest.mark.parametrize(
    ("policy_case", "data", "message"),
    [
        ("typo", {"segmentaton": {}}, "p.toml: top level: unknown key(s) segmentaton"),
        ("nested typo", {"period": {"month": 3}}, "p.toml: period: unknown key(s) month"),
        ("text for a number", {"period": {"months": "12"}}, "p.toml: period.months must be a number"),
        ("bad classes", {"segmentation": {"a": 0.9, "b": 0.8}}, "p.toml: segmentation needs 0 < a < b <= 1"),
        (
            "bad ranking",
            {"segmentation": {"by": "profit"}},
            'p.toml: segmentation.by must be "revenue" or "gross_margin"',
        ),
        (
            "negative rate",
            {"cost_to_serve": {"rates": {"visit": -1}}},
            "p.toml: cost_to_serve.rates must not be negative",
        ),
    ],
)
def test_it_refuses_a_bad_policy_naming_the_key(policy_case: str, data: dict[str, object], message: str) -> None:
    with pytest.raises(PolicyError) as raised:
        parse_policy(data, "p.toml")

    assert str(raised.value) == message
