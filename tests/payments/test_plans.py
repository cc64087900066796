"""Plans and prices as settings: parsed exactly, checked when read, priced at Stripe."""

from __future__ import annotations

import pytest

from newsstand.config import load_settings
from newsstand.errors import ConfigError, InvalidDataError
from newsstand.model import BillingInterval, Money, Plan, PlanAudience


def test_the_default_plans() -> None:
    plans = load_settings({}).membership_plans
    assert [(p.id, p.interval, p.price, p.name) for p in plans] == [
        ("monthly", BillingInterval.MONTH, Money(900, "EUR"), "Monthly"),
        ("yearly", BillingInterval.YEAR, Money(9000, "EUR"), "Yearly"),
    ]
    assert all(p.provider_price == "" for p in plans)


def test_reduced_plans_other_currencies_and_stripe_prices() -> None:
    env = {
        "NEWSSTAND_PLANS": "monthly:month:1200,student:month:600:student,family:year:24000:family",
        "NEWSSTAND_CURRENCY": "jpy",
        "NEWSSTAND_STRIPE_PRICES": "monthly=price_m, family=price_f",
    }
    monthly, student, family = load_settings(env).membership_plans
    assert monthly.price == Money(1200, "JPY") and str(monthly.price) == "1200 JPY"
    assert student.audience is PlanAudience.STUDENT and student.name == "Student, monthly"
    assert (monthly.provider_price, student.provider_price, family.provider_price) == (
        "price_m",
        "",
        "price_f",
    )
    assert str(Plan.parse("x:year:0.5", "KWD").price) == "0.500 KWD"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"NEWSSTAND_PLANS": "monthly:week:9"}, "NEWSSTAND_PLANS"),
        ({"NEWSSTAND_PLANS": "monthly:month:9.999"}, "NEWSSTAND_PLANS"),
        ({"NEWSSTAND_PLANS": "monthly:month:-9"}, "NEWSSTAND_PLANS"),
        ({"NEWSSTAND_PLANS": "a:month:9,a:year:90"}, "NEWSSTAND_PLANS"),
        ({"NEWSSTAND_PLANS": "bad id:month:9"}, "NEWSSTAND_PLANS"),
        ({"NEWSSTAND_PLANS": ""}, "NEWSSTAND_PLANS"),
        ({"NEWSSTAND_PLANS": "m:month:9.50", "NEWSSTAND_CURRENCY": "JPY"}, "NEWSSTAND_PLANS"),
        ({"NEWSSTAND_CURRENCY": "euro"}, "NEWSSTAND_CURRENCY"),
        ({"NEWSSTAND_STRIPE_PRICES": "weekly=price_w"}, "stripe_prices"),
        ({"NEWSSTAND_STRIPE_PRICES": "monthly"}, "NEWSSTAND_STRIPE_PRICES"),
    ],
)
def test_a_malformed_plan_stops_the_command_with_its_setting_named(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        load_settings(env)


def test_money_refuses_what_is_not_a_currency() -> None:
    with pytest.raises(InvalidDataError):
        Money(100, "eur")
    assert str(Money(-150, "EUR")) == "-1.50 EUR"
