"""Charts drawn without a network: inline SVG through vl-convert, numbers in the reader's locale.

Reports must open with no internet: render charts with :func:`to_svg` or after
:func:`enable_offline_rendering` – never with Altair's default ``html`` renderer, which loads
Vega from a CDN.
"""

from __future__ import annotations

from typing import Literal

import altair as alt

from sim.kpis import check_language

_LOCALES: dict[str, Literal["en-US", "de-DE"]] = {"en": "en-US", "de": "de-DE"}


def enable_offline_rendering(language: str = "en") -> None:
    """Render charts in notebooks as inline SVG via vl-convert: no network, deterministic.

    Axis numbers follow ``language`` (German: ``1.000,5``).
    """
    locale = _LOCALES[check_language(language)]
    alt.renderers.enable("svg")
    alt.renderers.set_embed_options(formatLocale=locale, timeFormatLocale=locale)


def to_svg(chart: alt.TopLevelMixin, language: str = "en") -> str:
    """The chart as an SVG document (vl-convert, no JavaScript, no network)."""
    import vl_convert

    locale = _LOCALES[check_language(language)]
    return str(
        vl_convert.vegalite_to_svg(chart.to_json(), format_locale=locale, time_format_locale=locale)
    )
