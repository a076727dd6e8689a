"""Stage: IP-chain stage, policy instrument and tool of each measure (CLASSIFICATION.md)."""
from __future__ import annotations

from ..record import Measure


def classify_measures(text: str, measures: tuple[Measure, ...]) -> tuple[Measure, ...]:
    return measures
