"""Charts a manager reads at a glance: where leads go, how fast sales answers, what a change buys.

Builders come in pairs: a ``*_data`` function turns an experiment's lead, weekly or KPI table
into a small frame (tested as data), and a ``*_chart`` function draws it with Altair, labelled
in English or German. KPI names and number formats come from ``sim.kpis``. Render offline
(:func:`enable_offline_rendering`, :func:`to_svg`): reports must open with no internet.

Notebooks write ``from sim import charts`` and call ``charts.funnel_chart(...)``.
"""

from sim.charts.common import MAX_CHART_ROWS, label
from sim.charts.funnel import (
    FUNNEL_STEPS,
    LOSS_OUTCOMES,
    funnel_chart,
    funnel_data,
    loss_chart,
    loss_data,
)
from sim.charts.journeys import JOURNEY_EVENTS, journey_chart, journey_data
from sim.charts.kpi import assessment, kpi_difference_chart
from sim.charts.levers import lever_effect_chart, lever_effect_data
from sim.charts.portfolio import portfolio_chart, portfolio_data
from sim.charts.render import enable_offline_rendering, to_svg
from sim.charts.response import (
    RESPONSE_BUCKETS_HOURS,
    qualification_by_response_chart,
    qualification_by_response_data,
    response_marker_data,
    response_time_chart,
    response_time_data,
)
from sim.charts.sensitivity import (
    heatmap_chart,
    robustness_tornado_chart,
    robustness_tornado_data,
    tornado_chart,
)
from sim.charts.weekly import weekly_chart, weekly_data, weekly_volume_chart
from sim.kpis import LANGUAGES

__all__ = [
    "FUNNEL_STEPS",
    "JOURNEY_EVENTS",
    "LANGUAGES",
    "LOSS_OUTCOMES",
    "MAX_CHART_ROWS",
    "RESPONSE_BUCKETS_HOURS",
    "assessment",
    "enable_offline_rendering",
    "funnel_chart",
    "funnel_data",
    "heatmap_chart",
    "journey_chart",
    "journey_data",
    "kpi_difference_chart",
    "label",
    "lever_effect_chart",
    "lever_effect_data",
    "loss_chart",
    "loss_data",
    "portfolio_chart",
    "portfolio_data",
    "qualification_by_response_chart",
    "qualification_by_response_data",
    "response_marker_data",
    "response_time_chart",
    "response_time_data",
    "robustness_tornado_chart",
    "robustness_tornado_data",
    "to_svg",
    "tornado_chart",
    "weekly_chart",
    "weekly_data",
    "weekly_volume_chart",
]
