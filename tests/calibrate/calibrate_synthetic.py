"""A synthetic CRM export with known truth, made by a generator independent of leadsim's model.

Plain numpy: Poisson arrivals per channel and hour with weekday and hour weights, lognormal
response times, a share never contacted, and a known conversion-by-response curve
(the chance to win falls with the hours until the first contact). The personal columns
(names, e-mails, notes) are there to prove they never reach an output.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

WEEKDAY_WEIGHTS = np.array([1.3, 1.2, 1.2, 1.1, 1.0, 0.15, 0.05])
HOUR_WEIGHTS = np.array([0.1] * 7 + [1, 3, 5, 6, 5, 3, 5, 6, 5, 4, 2, 1, 0.5, 0.3, 0.2, 0.1, 0.1])
OWNERS = ("Anna Schmidt", "Bernd Maier", "Carla Weber", "Deniz Yilmaz")


@dataclass(frozen=True)
class Truth:
    """The parameters the synthetic export is drawn from."""

    leads_per_week: dict[str, float] = field(
        default_factory=lambda: {"web_inquiry": 40.0, "webinar": 20.0, "partner_event": 10.0}
    )
    win_at_zero: dict[str, float] = field(
        default_factory=lambda: {"web_inquiry": 0.12, "webinar": 0.06, "partner_event": 0.10}
    )
    weeks: int = 26
    start: str = "2026-01-05"  # a Monday
    contacted_share: float = 0.85
    response_median_hours: float = 6.0
    response_sigma: float = 1.0
    win_half_life_hours: float = 24.0  # the conversion-by-response curve: halves per day of waiting
    win_floor: float = 0.4  # share of the win chance that does not decay
    cycle_mean_days: float = 60.0
    cycle_cv: float = 0.5
    deal_mean: float = 30000.0
    deal_cv: float = 0.7

    @property
    def response_p90_hours(self) -> float:
        """The 90th percentile of the lognormal response time."""
        return self.response_median_hours * math.exp(1.2815515655 * self.response_sigma)

    def win_given_response(self, channel: str, hours: np.ndarray) -> np.ndarray:
        """The known conversion-by-response curve."""
        decay = self.win_floor + (1 - self.win_floor) * 0.5 ** (hours / self.win_half_life_hours)
        return self.win_at_zero[channel] * decay

    def won_rate(self, channel: str) -> float:
        """Expected lead -> won rate of a channel (numerical integration over the response time)."""
        z = np.linspace(-8, 8, 4001)
        hours = self.response_median_hours * np.exp(self.response_sigma * z)
        density = np.exp(-z**2 / 2) / math.sqrt(2 * math.pi)
        contacted = float(np.trapezoid(self.win_given_response(channel, hours) * density, z))
        return self.contacted_share * contacted


def _lognormal(rng: np.random.Generator, mean: float, cv: float, size: int) -> np.ndarray:
    sigma = math.sqrt(math.log1p(cv**2))
    return rng.lognormal(math.log(mean) - sigma**2 / 2, sigma, size)


def generate(truth: Truth, seed: int = 7) -> pd.DataFrame:
    """One row per lead in the generic layout (times naive local), plus personal columns."""
    rng = np.random.default_rng(seed)
    hours = np.arange(truth.weeks * 7 * 24)
    weights = (WEEKDAY_WEIGHTS / WEEKDAY_WEIGHTS.mean())[(hours // 24) % 7] * (
        HOUR_WEIGHTS / HOUR_WEIGHTS.mean()
    )[hours % 24]
    start = pd.Timestamp(truth.start)
    rows = []
    for channel, per_week in truth.leads_per_week.items():
        counts = rng.poisson(per_week / 168 * weights)
        created = np.repeat(hours, counts) + rng.random(counts.sum())
        n = len(created)
        contacted = rng.random(n) < truth.contacted_share
        response = truth.response_median_hours * np.exp(truth.response_sigma * rng.standard_normal(n))
        won = contacted & (rng.random(n) < truth.win_given_response(channel, response))
        cycle = _lognormal(rng, truth.cycle_mean_days, truth.cycle_cv, n)
        amount = _lognormal(rng, truth.deal_mean, truth.deal_cv, n)
        attempts = 1 + np.minimum(rng.poisson(1.5, n), 7)
        stage = rng.choice(["ql", "mql", "sql"], p=[0.3, 0.4, 0.3], size=n)
        owner = rng.integers(0, len(OWNERS), n)
        for i in range(n):
            at = start + pd.Timedelta(hours=float(created[i]))
            first = at + pd.Timedelta(hours=float(response[i])) if contacted[i] else None
            qualified = first + pd.Timedelta(days=2) if won[i] and first is not None else None
            won_at = qualified + pd.Timedelta(days=float(cycle[i])) if qualified is not None else None
            rows.append({
                "lead_id": f"{channel.upper()}-{i:05d}",
                "created_at": at,
                "channel": channel,
                "first_contact_at": first,
                "contact_attempts": int(attempts[i]) if contacted[i] else 0,
                "mql_at": at if stage[i] in ("mql", "sql") else None,
                "sql_at": at if stage[i] == "sql" else None,
                "qualified_at": qualified,
                "won_at": won_at,
                "lost_at": None,
                "amount": round(float(amount[i]), 2) if won[i] else None,
                "owner": OWNERS[owner[i]] if contacted[i] else "",
                "email": f"person{i}@example.com",
                "first_name": "Zacharias",
                "notes": "Called, wants a demo next week",
            })
    return pd.DataFrame(rows).sort_values("created_at", kind="stable").reset_index(drop=True)


def write_generic(frame: pd.DataFrame, path: Path) -> Path:
    """Write the frame as a generic-layout CSV with ISO dates."""
    out = frame.copy()
    for column in out.columns:
        if column.endswith("_at") or column == "created_at":
            out[column] = out[column].map(
                lambda value: "" if value is None or pd.isna(value) else value.strftime("%Y-%m-%d %H:%M:%S")
            )
    out.to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL)
    return path
