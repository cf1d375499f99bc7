"""The scenario schema: every parameter of the lead-lifecycle model, with its unit and allowed range.

A scenario describes one company setup: which channels bring leads, how marketing nurtures
and scores them, how they are handed to sales, how fast their interest decays, how sales
works them and how deals close. The schema is the single place where ranges are defined;
files, ``--set`` overrides, notebooks and workshop controls are all validated against it.
Validated scenarios are frozen: the model reads them and never writes them.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError


def _number_not_bool_or_text(value: Any) -> Any:
    """``reps: true`` must not mean one rep, nor ``reps: '5'`` pass: numbers are written as numbers."""
    if isinstance(value, (bool, str)):
        raise PydanticCustomError("float_type", "Input should be a valid number")
    return value


StrictNumber = BeforeValidator(_number_not_bool_or_text)
"""Rejects booleans and quoted numbers; ints stay valid floats (unlike pydantic's strict mode)."""


@dataclass(frozen=True)
class Plausible:
    """Why a value has an upper (or lower) limit beyond what its unit allows: shown in the message."""

    why: str
    side: Literal["upper", "lower"] = "upper"


HUGE = 1e12
"""No count, rate, duration or amount in a scenario is plausibly larger (and products stay finite)."""
_HUGE_WHY = Plausible("larger values are not plausible for any company and overflow the arithmetic")
Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False), StrictNumber]
NonNegative = Annotated[float, Field(ge=0.0, le=HUGE, allow_inf_nan=False), StrictNumber, _HUGE_WHY]
Positive = Annotated[float, Field(gt=0.0, le=HUGE, allow_inf_nan=False), StrictNumber, _HUGE_WHY]
HourOfDay = Annotated[float, Field(ge=0.0, le=24.0, allow_inf_nan=False), StrictNumber]
_TEN_YEARS = Field(le=3650.0)
_TEN_YEARS_WHY = Plausible("more than 10 years is beyond any planning horizon and takes hours to simulate")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
STAGES: tuple[str, ...] = ("ql", "mql", "sql")


REPLACED_KEYS: dict[str, str] = {
    "own_pipeline_share": (
        "sales.own_pipeline_share was replaced by sales.own_workload_hours_per_week: hours of "
        "account work a week for the whole team, whatever its size (the old share x reps x "
        "business hours a week, e.g. 0.6 x 10 reps x 45 h = 270)"
    ),
    "own_pipeline_task_hours": (
        "sales.own_pipeline_task_hours was replaced by sales.own_workload_task_hours, a "
        "distribution (e.g. {distribution: fixed, mean: 2})"
    ),
}
"""Keys of older scenario files and what replaced them (shown instead of 'unknown key')."""


class Frozen(BaseModel):
    """Base for all scenario sections: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Distribution(Frozen):
    """A non-negative random quantity given by its mean and coefficient of variation."""

    distribution: Literal["fixed", "exponential", "lognormal"] = Field(
        "fixed", description="fixed: always the mean; exponential: cv 1; lognormal: needs cv > 0"
    )
    mean: NonNegative = Field(description="mean value, in the unit of the field's name")
    cv: NonNegative | None = Field(
        None, description="coefficient of variation (sd / mean); only for lognormal"
    )

    @model_validator(mode="after")
    def _cv_matches_distribution(self) -> Distribution:
        if self.distribution == "lognormal" and not self.cv:
            raise ValueError("a lognormal distribution needs cv > 0 (e.g. cv: 0.5)")
        if self.distribution != "lognormal" and self.cv is not None:
            raise ValueError(f"cv is only used by lognormal, not by {self.distribution}")
        return self


class BetaDistribution(Frozen):
    """Beta(alpha, beta) on [0, 1]; used for a lead's true fit to the ideal customer profile."""

    alpha: Positive
    beta: Positive

    @property
    def mean(self) -> float:
        """Mean fit, alpha / (alpha + beta)."""
        return self.alpha / (self.alpha + self.beta)


class StageMix(Frozen):
    """Shares of leads in each stage (QL, MQL, SQL); they must sum to 1."""

    ql: Probability
    mql: Probability
    sql: Probability

    @model_validator(mode="after")
    def _sums_to_one(self) -> StageMix:
        total = self.ql + self.mql + self.sql
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(
                f"stage shares must sum to 1, got ql + mql + sql = {total:g}"
            )
        return self


class StageValues(Frozen):
    """One probability per lead stage."""

    ql: Probability
    mql: Probability
    sql: Probability


class Decay(Frozen):
    """Interest after the last touch: q(t) = floor + (1 - floor) * (w * 2^(-t/h1) + (1 - w) * 2^(-t/h2)).

    One family covers a single exponential (hot_weight 1, floor 0) and the two-phase
    "hot window plus cold floor" curve fitted to the speed-to-lead studies (D1, D2 in docs/sources.md).
    """

    hot_weight: Probability = Field(1.0, description="w: share of interest in the fast phase")
    hot_half_life_hours: Positive = Field(24.0, description="half-life of the fast phase")
    slow_half_life_hours: Positive = Field(24.0, description="half-life of the slow phase")
    floor: Probability = Field(0.0, description="interest that never decays")
    cold_below: Probability = Field(
        0.1, description="a lead whose interest is below this is cold"
    )


class Channel(Frozen):
    """A lead source: volume, cost, who the leads are and how fast they cool down."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    leads_per_week: Annotated[
        NonNegative, Field(le=100_000.0),
        Plausible("more leads a week per channel make one simulated year take hours and gigabytes"),
    ]
    cost_per_lead: NonNegative = 0.0
    marketing_sourced: bool = Field(
        True, description="false for leads sales brings itself (they are never ignored)"
    )
    fit: BetaDistribution = BetaDistribution(alpha=2.0, beta=2.0)
    stage_mix: StageMix = StageMix(ql=0.25, mql=0.5, sql=0.25)
    decay: Decay = Decay()
    buying_window_days: Distribution = Distribution(distribution="exponential", mean=180.0)
    weekday_profile: tuple[NonNegative, ...] | None = Field(
        None, description="7 relative weights mon..sun", min_length=7, max_length=7
    )
    hour_profile: tuple[NonNegative, ...] | None = Field(
        None, description="24 relative weights for hours 0..23", min_length=24, max_length=24
    )
    monthly_seasonality: tuple[NonNegative, ...] | None = Field(
        None, description="12 relative weights jan..dec", min_length=12, max_length=12
    )

    @field_validator("weekday_profile", "hour_profile", "monthly_seasonality")
    @classmethod
    def _some_weight(cls, weights: tuple[float, ...] | None) -> tuple[float, ...] | None:
        if weights is not None and sum(weights) <= 0:
            raise ValueError("a profile needs at least one positive weight")
        return weights


class Horizon(Frozen):
    """Simulated time: a warm-up, then the window whose new leads form the measured cohort."""

    warmup_days: Annotated[NonNegative, _TEN_YEARS, _TEN_YEARS_WHY] = 60.0
    measurement_days: Annotated[Positive, _TEN_YEARS, _TEN_YEARS_WHY] = 365.0
    drain_cap_days: Annotated[NonNegative, _TEN_YEARS, _TEN_YEARS_WHY] = Field(
        365.0, description="how long after the window the cohort may take to finish"
    )
    start_month: Annotated[int, Field(ge=1, le=12), StrictNumber] = Field(
        1, description="calendar month in which the simulation starts (for seasonality)"
    )


class Calendar(Frozen):
    """When sales reps work; 24/7 is all seven days from hour 0 to 24."""

    work_days: tuple[Weekday, ...] = Field(("mon", "tue", "wed", "thu", "fri"), min_length=1)
    start_hour: HourOfDay = 8.0
    end_hour: HourOfDay = 17.0
    start_date: datetime.date | None = Field(
        None,
        description=(
            "the Monday the simulation starts on (in horizon.start_month); needed to place "
            "public holidays on simulated days"
        ),
    )
    holidays: tuple[datetime.date, ...] = Field(
        (), max_length=5000, description="public holidays (YYYY-MM-DD): the office is closed all day"
    )

    @model_validator(mode="after")
    def _valid_day(self) -> Calendar:
        if self.end_hour <= self.start_hour:
            raise ValueError(
                f"end_hour ({self.end_hour:g}) must be after start_hour ({self.start_hour:g})"
            )
        if len(set(self.work_days)) != len(self.work_days):
            raise ValueError("work_days lists a day twice")
        if self.start_date is not None and self.start_date.weekday() != 0:
            raise ValueError(
                f"start_date {self.start_date.isoformat()} is a {self.start_date.strftime('%A')}; "
                "the simulation starts on a Monday"
            )
        if self.holidays and self.start_date is None:
            raise ValueError("holidays need start_date (the Monday the simulation starts on)")
        return self

    def closed_days(self) -> frozenset[int]:
        """Simulated days (0 = the start) on which the office is closed for a public holiday."""
        if self.start_date is None:
            return frozenset()
        return frozenset(
            (holiday - self.start_date).days for holiday in self.holidays if holiday >= self.start_date
        )

    @property
    def hours_per_week(self) -> float:
        """Business hours in one week."""
        return len(self.work_days) * (self.end_hour - self.start_hour)


class Nurturing(Frozen):
    """Marketing's content programme for leads not yet sales-ready."""

    content_relevance: Positive = Field(
        1.0, description="multiplies stage-progress rates; 1 = today's content"
    )
    mean_days_ql_to_mql: Positive = 90.0
    mean_days_mql_to_sql: Positive = 90.0
    dropout_per_month: NonNegative = Field(0.05, description="rate of leaving the programme")
    engagements_per_week: Annotated[
        NonNegative, Field(le=100.0), Plausible("more engagements a week per lead flood the simulation with events")
    ] = Field(
        0.0, description="content engagements that re-warm a lead (reset its decay clock)"
    )
    rescore_every_days: Annotated[
        Positive, Field(ge=0.01), Plausible("re-scoring more often than every 15 minutes floods the simulation", "lower")
    ] = Field(
        30.0, description="how often marketing re-scores a lead that stays in nurturing"
    )


class Qualification(Frozen):
    """Marketing's lead scoring and hand-off rule."""

    fit_weight: Probability = Field(
        0.5, description="score = fit_weight * fit + (1 - fit_weight) * stage value + noise"
    )
    scoring_noise: NonNegative = Field(0.15, description="sd of the scoring error")
    threshold: Annotated[float, StrictNumber] = Field(0.6, ge=-1.0, le=2.0, allow_inf_nan=False)
    handoff_capacity_per_month: Annotated[
        int, Field(ge=1, le=1_000_000), StrictNumber, Plausible("more hand-overs a month are no agreed limit")
    ] | None = Field(
        None, description="agreed maximum hand-overs per month; excess stays in nurturing"
    )


class Handoff(Frozen):
    """How sales-ready leads reach a sales rep."""

    mode: Literal["batch", "realtime"] = "realtime"
    batch_every_hours: Annotated[
        Positive, Field(ge=0.01), Plausible("a list more often than every 36 seconds floods the simulation", "lower")
    ] = Field(168.0, description="list interval in batch mode")
    admin_delay_hours: Distribution = Distribution(distribution="fixed", mean=0.0)
    routing: Literal["pooled", "round_robin", "least_loaded"] = Field(
        "pooled", description="pooled: any free rep takes the next lead"
    )
    ignore_share: Probability = Field(
        0.0, description="share of marketing leads sales never works"
    )
    automation_triggers: bool = Field(
        False, description="an engagement of a handed-over lead creates an immediate task"
    )


class NewHires(Frozen):
    """Reps new to the team: they join after some days and work part of their hours at first."""

    count: Annotated[int, Field(ge=0, le=1000), StrictNumber] = Field(
        0, description="how many of sales.reps are new hires (the last ones of the team)"
    )
    joins_after_days: Annotated[NonNegative, _TEN_YEARS, _TEN_YEARS_WHY] = Field(
        0.0, description="days after the simulation start when they join (absent before)"
    )
    ramp_weeks: Annotated[NonNegative, Field(le=520.0)] = Field(
        0.0, description="weeks after joining during which they work only capacity_share"
    )
    capacity_share: Probability = Field(
        1.0, description="share of a full working day a new hire works while ramping up"
    )


class Sales(Frozen):
    """The sales team and how it works leads."""

    reps: Annotated[
        int, Field(ge=1, le=1000), StrictNumber,
        Plausible("every rep is simulated on every working hour; larger teams take hours to simulate"),
    ] = 5
    own_workload_hours_per_week: NonNegative = Field(
        0.0,
        description=(
            "hours of account work a week for the whole account-executive team (existing "
            "customers, running opportunities, own prospects), whatever its head count"
        ),
    )
    own_workload_task_hours: Distribution = Field(
        Distribution(distribution="fixed", mean=2.0),
        description="length of one own-workload task (mean at least 0.01 h)",
    )
    own_workload_expires_business_hours: Positive | None = Field(
        None,
        description=(
            "own-workload tasks no rep started within these business hours are left undone "
            "(counted as own_workload_missed_hours); null: they wait however long it takes"
        ),
    )
    marketing_leads_below_own_pipeline: bool = Field(
        False,
        description=(
            "true: reps take marketing leads only when their own prospects are done; "
            "false: marketing leads first, own prospects fill the remaining time"
        ),
    )
    queue: Literal["fifo", "lifo", "score", "sla"] = "fifo"
    max_attempts: Annotated[
        int, Field(ge=1, le=100), StrictNumber, Plausible("more attempts per lead are no sales process")
    ] = 6
    retry_after_hours: NonNegative = 24.0
    attempt_hours: Distribution = Distribution(distribution="fixed", mean=0.1)
    conversation_hours: Distribution = Distribution(distribution="fixed", mean=0.5)
    unqualified: Literal["recycle", "drop"] = Field(
        "drop", description="what happens to a reached lead that is not sales-qualified"
    )
    rep_cost_per_year: NonNegative = 80000.0
    sdrs: Annotated[
        int, Field(ge=0, le=1000), StrictNumber,
        Plausible("every SDR is simulated on every working hour; larger teams take hours to simulate"),
    ] = Field(
        0,
        description=(
            "sales development reps: they make the contact attempts and qualification calls and "
            "book qualified leads into an account executive's calendar; 0: reps do everything"
        ),
    )
    sdr_cost_per_year: NonNegative = Field(0.0, description="loaded yearly cost of one SDR")
    vacation_days_per_year: Annotated[float, Field(ge=0.0, le=200.0, allow_inf_nan=False), StrictNumber] = Field(
        0.0, description="work days each rep is on vacation per year (random days from the rep's stream)"
    )
    sick_days_per_year: Annotated[float, Field(ge=0.0, le=200.0, allow_inf_nan=False), StrictNumber] = Field(
        0.0, description="mean work days each rep is off sick per year (a Poisson number of random days)"
    )
    new_hires: NewHires = Field(
        default_factory=lambda: NewHires(), description="reps who join during the run and ramp up"
    )

    @field_validator("own_workload_task_hours")
    @classmethod
    def _task_not_tiny(cls, task: Distribution) -> Distribution:
        if task.mean < 0.01:
            raise ValueError(
                f"the mean task length must be at least 0.01 h (got {task.mean:g}): "
                "tasks shorter than 36 seconds flood the simulation with events"
            )
        return task


class SellingTask(Frozen):
    """One piece of selling work in a qualified lead's sales cycle (e.g. a demo)."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    hours: Distribution = Field(description="rep hours the task takes")
    at_cycle_share: Probability = Field(
        description="when in the sales cycle the task is due: 0 at qualification, 1 at the close"
    )


class Selling(Frozen):
    """Rep time a qualified lead needs across its sales cycle; no tasks: selling takes no rep time."""

    tasks: tuple[SellingTask, ...] = Field(
        (), max_length=20,
        description=(
            "selling tasks in cycle order; each waits for the lead's owner in business hours "
            "under the queue rule, and the cycle ends no earlier than the last task"
        ),
    )

    @field_validator("tasks")
    @classmethod
    def _in_cycle_order(cls, tasks: tuple[SellingTask, ...]) -> tuple[SellingTask, ...]:
        shares = [task.at_cycle_share for task in tasks]
        if shares != sorted(shares):
            raise ValueError(f"selling tasks must be listed in cycle order (at_cycle_share {shares})")
        names = [task.name for task in tasks]
        if len(set(names)) != len(names):
            raise ValueError(f"selling task names must be unique: {', '.join(names)}")
        return tasks


class Conversion(Frozen):
    """Reaching, qualifying and winning a lead; qualification probabilities at full buying intent."""

    reach_probability: Probability = Field(
        0.25, description="chance a dial reaches the person; does not decay with interest"
    )
    qualify_probability: StageValues = StageValues(ql=0.1, mql=0.3, sql=0.7)
    qualify_fit_weight: Probability = 0.5
    sales_cycle_days: Distribution = Distribution(distribution="lognormal", mean=84.0, cv=0.5)
    win_probability: Probability = 0.25
    win_fit_weight: Probability = 0.5
    win_interest_weight: Probability = 0.0
    win_stage_factor: StageValues = Field(
        StageValues(ql=1.0, mql=1.0, sql=1.0),
        description="multiplies the win probability by the lead's stage when it was qualified",
    )
    deal_value: Distribution = Distribution(distribution="lognormal", mean=20000.0, cv=0.6)


class ServiceLevel(Frozen):
    """The marketing-sales agreement on first response."""

    first_contact_business_hours: Positive = Field(
        24.0, description="response target; sla_met_share is measured against it"
    )
    agreed: bool = Field(False, description="whether a written SLA exists (for reports)")
    escalate_before_deadline_hours: NonNegative = Field(
        0.0,
        description=(
            "business hours before its deadline at which a waiting first attempt escalates "
            "(queue: sla): a rep does not start work that would make the lead miss it"
        ),
    )


class AfterSale(Frozen):
    """The customer after the sale: satisfaction, churn, upsell fed back to sales, word of mouth.

    Only satisfied customers buy more and recommend the company; both rates are zero by default,
    so a scenario without this section behaves as if the story ended at the signature.
    """

    satisfaction_probability: Probability = Field(
        0.7, description="chance a new customer is satisfied, at average fit (0.5)"
    )
    satisfaction_fit_weight: Probability = Field(
        0.5, description="how much a good fit raises satisfaction (as win_fit_weight)"
    )
    churn_per_year_satisfied: NonNegative = 0.05
    churn_per_year_unsatisfied: NonNegative = 0.3
    upsell_opportunities_per_year: Annotated[
        NonNegative, Field(le=100.0), Plausible("more opportunities a year per customer flood the simulation")
    ] = Field(
        0.0, description="cross-/upsell opportunities a satisfied customer brings sales per year"
    )
    upsell_work_hours: Distribution = Distribution(distribution="fixed", mean=2.0)
    upsell_win_probability: Probability = 0.3
    upsell_value_share: NonNegative = Field(
        0.3, description="value of an upsell deal as a share of the customer's first deal"
    )
    referrals_per_year: Annotated[
        NonNegative, Field(le=100.0), Plausible("more referrals a year per customer make the lead volume explode")
    ] = Field(
        0.0, description="new leads a satisfied customer's word of mouth brings per year"
    )
    referral_channel: str | None = Field(
        None, description="channel the word-of-mouth leads arrive in (needed when referrals > 0)"
    )
    follow_up_days: NonNegative = Field(
        0.0,
        description=(
            "how long after the sale a customer is followed; the measured cohort stays open "
            "until then (or the drain cap); 0: not at all"
        ),
    )


class Costs(Frozen):
    """Costs besides leads and reps: per year, and once for introducing an org measure."""

    marketing_staff_cost_per_year: NonNegative = 0.0
    org_costs_per_year: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], NonNegative] = Field(
        default_factory=dict,
        description=(
            "yearly cost of each org measure by name (tools, licences, meetings, rotation); "
            "overlays add their own entry, so the costs of several levers add up"
        ),
    )
    org_costs_one_off: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], NonNegative] = Field(
        default_factory=dict,
        description=(
            "what each org measure costs once to introduce, by name (a project, training, "
            "workshops); counts in the payback, not in the yearly cost"
        ),
    )


class Scenario(Frozen):
    """One company setup: the complete, validated input of a simulation run."""

    name: str = "scenario"
    title: str = Field(
        "",
        max_length=120,
        description=(
            "a human name for reports, charts, tables and the workshop (the file name when empty); "
            "not inherited through extends"
        ),
    )
    description: str = ""
    horizon: Horizon = Horizon()
    calendar: Calendar = Calendar()
    channels: tuple[Channel, ...] = Field(min_length=1, max_length=100)
    nurturing: Nurturing = Nurturing()
    qualification: Qualification = Qualification()
    handoff: Handoff = Handoff()
    sales: Sales = Sales()
    conversion: Conversion = Conversion()
    selling: Selling = Selling()
    sla: ServiceLevel = ServiceLevel()
    costs: Costs = Costs()
    after_sale: AfterSale = AfterSale()

    @field_validator("channels")
    @classmethod
    def _unique_channel_names(cls, channels: tuple[Channel, ...]) -> tuple[Channel, ...]:
        names = [channel.name for channel in channels]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"channel names must be unique, repeated: {', '.join(duplicates)}")
        return channels

    @model_validator(mode="after")
    def _consistent_team_and_calendar(self) -> Scenario:
        if self.sales.new_hires.count > self.sales.reps:
            raise ValueError(
                f"sales.new_hires.count ({self.sales.new_hires.count}) exceeds sales.reps ({self.sales.reps})"
            )
        start = self.calendar.start_date
        if start is not None and start.month != self.horizon.start_month:
            raise ValueError(
                f"calendar.start_date {start.isoformat()} is not in horizon.start_month "
                f"({self.horizon.start_month})"
            )
        return self

    @model_validator(mode="after")
    def _referral_channel_exists(self) -> Scenario:
        wanted = self.after_sale.referral_channel
        names = [channel.name for channel in self.channels]
        if wanted is not None and wanted not in names:
            raise ValueError(
                f"after_sale.referral_channel {wanted!r} is not a channel; channels: {', '.join(names)}"
            )
        if self.after_sale.referrals_per_year > 0 and wanted is None:
            raise ValueError("after_sale.referrals_per_year > 0 needs after_sale.referral_channel")
        return self

    @property
    def display_title(self) -> str:
        """The name a reader sees: the ``title``, else the scenario's name (its file name)."""
        return self.title.strip() or self.name

    def channel(self, name: str) -> Channel:
        """The channel called ``name``."""
        for channel in self.channels:
            if channel.name == name:
                return channel
        raise KeyError(name)
