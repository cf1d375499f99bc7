"""Constants shared by the workshop tests."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
ARTIFACTS = ROOT / "test-artifacts"

SMALL_YAML = """\
# A small, fast company for workshop tests: two channels, three reps, eight measured weeks.
name: small
horizon: {warmup_days: 7, measurement_days: 56, drain_cap_days: 60}
channels:
  - name: web_inquiry
    leads_per_week: 40
  - name: referral
    leads_per_week: 5
    marketing_sourced: false
sales: {reps: 3}
"""
