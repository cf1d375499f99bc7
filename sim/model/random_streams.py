"""Named random streams, so that two scenarios differing in one lever see the same leads.

Every replication owns one ``numpy.random.SeedSequence``; each mechanism (arrivals of a
channel, each intrinsic trait of the leads, nurturing, engagements, hand-off, contact, outcome)
gets its own child stream keyed by a stable name, never by the order in which it is requested.
Each lead also gets pre-drawn rows of uniforms per mechanism, so a lever that reorders the sales
queue does not shift which random number a given lead's contact attempt uses; a lead that needs
more than its row continues on a generator keyed by its own identity, never on a stream shared
with other leads (common random numbers hold for every draw).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from statistics import NormalDist

import numpy as np

from sim.scenario.schema import Distribution

_STANDARD_NORMAL = NormalDist()
_EPSILON = 1e-12


def replication_seed_sequence(seed: int, replication: int) -> np.random.SeedSequence:
    """The seed sequence of one replication: child ``replication`` of ``SeedSequence(seed)``."""
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    if replication < 0:
        raise ValueError(f"replication must be >= 0, got {replication}")
    return np.random.SeedSequence(seed, spawn_key=(replication,))


def named_stream(parent: np.random.SeedSequence, *names: str) -> np.random.Generator:
    """A generator for the stream ``names`` under ``parent``, independent of any other name."""
    key = tuple(zlib.crc32(name.encode("utf-8")) for name in names)
    child = np.random.SeedSequence(parent.entropy, spawn_key=tuple(parent.spawn_key) + key)
    return np.random.Generator(np.random.PCG64(child))


class DrawRow:
    """A lead's own supply of uniforms for one mechanism, consumed in order.

    After the pre-drawn ``values`` the row continues on ``more``: a generator given here, or
    (``keyed``) the stream ``named_stream(parent, *names, *key)`` made on first use - a per-lead
    stream keyed by the lead, so it stays common to scenarios, and made lazily because most leads
    never need it. The names and the key are kept as given (shared by a lead's rows, and by every
    lead for the names), so a row is one small object: a run holds one per mechanism and lead.
    """

    __slots__ = ("index", "key", "more", "names", "parent", "values")

    def __init__(
        self,
        values: Sequence[float] | np.ndarray,
        more: np.random.Generator | None = None,
        *,
        parent: np.random.SeedSequence | None = None,
        names: tuple[str, ...] = (),
        key: tuple[str, ...] = (),
    ) -> None:
        self.values = values  # a list, or the lead's own copy of its row of the mechanism's uniforms
        self.index = 0
        self.more = more
        self.parent = parent
        self.names = names
        self.key = key

    @classmethod
    def keyed(
        cls,
        values: Sequence[float] | np.ndarray,
        parent: np.random.SeedSequence,
        names: tuple[str, ...],
        key: tuple[str, ...],
    ) -> DrawRow:
        """A row continuing on ``named_stream(parent, *names, *key)``, made when first needed."""
        return cls(values, parent=parent, names=names, key=key)

    def uniform(self) -> float:
        """The next uniform in (0, 1)."""
        index = self.index
        if index < len(self.values):
            self.index = index + 1
            value = float(self.values[index])
        else:
            more = self.more
            if more is None:
                if self.parent is None:
                    raise ValueError("DrawRow ran out of values and has no stream to continue on")
                more = self.more = named_stream(self.parent, *self.names, *self.key)
            value = float(more.random())
        return min(max(value, _EPSILON), 1.0 - _EPSILON)

    def normal(self) -> float:
        """The next standard normal draw."""
        return _STANDARD_NORMAL.inv_cdf(self.uniform())

    def exponential(self, mean: float) -> float:
        """The next exponential draw with the given mean (infinite when the mean is)."""
        if math.isinf(mean):
            return math.inf
        return -mean * math.log1p(-self.uniform())

    def sample(self, distribution: Distribution) -> float:
        """The next draw of a scenario ``Distribution``."""
        return sample_from_uniform(distribution, self.uniform())


def sample_from_uniform(distribution: Distribution, uniform: float) -> float:
    """Invert a scenario ``Distribution`` at ``uniform`` (one uniform, one value)."""
    mean = distribution.mean
    if distribution.distribution == "fixed" or mean == 0:
        return mean
    if distribution.distribution == "exponential":
        return -mean * math.log1p(-uniform)
    cv = distribution.cv or 0.0
    sigma_squared = math.log1p(cv * cv)
    mu = math.log(mean) - sigma_squared / 2.0
    return math.exp(mu + math.sqrt(sigma_squared) * _STANDARD_NORMAL.inv_cdf(uniform))


def sample_many(distribution: Distribution, uniforms: np.ndarray) -> np.ndarray:
    """Vectorised ``sample_from_uniform`` for intrinsic lead traits drawn up front."""
    mean = distribution.mean
    if distribution.distribution == "fixed" or mean == 0:
        return np.full(uniforms.shape, mean, dtype=float)
    if distribution.distribution == "exponential":
        return -mean * np.log1p(-uniforms)
    from scipy.special import ndtri

    cv = distribution.cv or 0.0
    sigma_squared = math.log1p(cv * cv)
    mu = math.log(mean) - sigma_squared / 2.0
    clipped = np.clip(uniforms, _EPSILON, 1.0 - _EPSILON)
    return np.exp(mu + math.sqrt(sigma_squared) * ndtri(clipped))
