"""How a lead cools down: its buying intent after the last touch, and each lead's hot window.

A prospect who has just filled in a form is still at their desk thinking about the problem; an
hour later they are in a meeting, a day later they have forgotten the form. Each lead stays
"hot" for a time of its own, drawn per lead, and then drops to a floor of residual intent.
Averaged over leads this is the decay curve q(t) of the scenario's ``channels[].decay``.
"""

from __future__ import annotations

import math

import numpy as np

from sim.scenario.schema import Decay


def interest(decay: Decay, hours_since_touch: float) -> float:
    """Interest left ``hours_since_touch`` after the last touch, in [floor, 1]."""
    if hours_since_touch <= 0:
        return 1.0
    hot = decay.hot_weight * 0.5 ** (hours_since_touch / decay.hot_half_life_hours)
    slow = (1.0 - decay.hot_weight) * 0.5 ** (hours_since_touch / decay.slow_half_life_hours)
    return decay.floor + (1.0 - decay.floor) * (hot + slow)


def hot_window_hours(decay: Decay, uniforms: np.ndarray) -> np.ndarray:
    """Each lead's hot-window length, drawn from the mixture of the two decay phases by inversion.

    P(window > t) = w * 2^(-t/h1) + (1 - w) * 2^(-t/h2): a uniform below w picks the fast phase
    and is rescaled to a fresh uniform for its exponential, one above w the slow phase. An
    attempt inside the window meets the lead's full buying intent, one after it the floor, so
    the expected intent t hours after a touch is the decay curve ``interest(decay, t)``.
    """
    weight = decay.hot_weight
    clipped = np.clip(np.asarray(uniforms, dtype=float), 1e-12, 1.0 - 1e-12)
    fast = clipped < weight
    hours = np.empty_like(clipped)
    tau_fast = decay.hot_half_life_hours / math.log(2.0)
    tau_slow = decay.slow_half_life_hours / math.log(2.0)
    hours[fast] = -tau_fast * np.log(clipped[fast] / weight)
    hours[~fast] = -tau_slow * np.log((clipped[~fast] - weight) / (1.0 - weight))
    return hours
