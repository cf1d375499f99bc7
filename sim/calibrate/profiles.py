"""Column layouts of CRM exports: the generic layout, HubSpot, Salesforce and user mapping files.

Every CRM names the same facts differently: HubSpot calls the creation time "Create Date" and
the channel "Original Source", Salesforce's lead report says "Create Date" and "Lead Source".
A profile maps the generic column names of the leadsim export format onto the names of one
layout; a user mapping file (YAML) does the same for any other system. Only the columns named
here are ever read from an export, so names, e-mail addresses and notes never enter leadsim.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from sim.errors import LeadsimError
from sim.files import read_regular

GENERIC_COLUMNS: tuple[str, ...] = (
    "lead_id", "created_at", "channel", "first_contact_at", "contact_attempts", "mql_at",
    "sql_at", "qualified_at", "won_at", "lost_at", "lost_reason", "amount", "owner",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("lead_id", "created_at", "channel", "first_contact_at", "won_at")
"""Without these there is no volume, response time or conversion to calibrate against."""
DATE_COLUMNS: tuple[str, ...] = (
    "created_at", "first_contact_at", "mql_at", "sql_at", "qualified_at", "won_at", "lost_at",
)
PROFILE_NAMES: tuple[str, ...] = ("generic", "hubspot", "salesforce")

MAX_MAPPING_BYTES = 1024 * 1024
"""A mapping file is a few dozen lines; like a scenario file it is read only up to 1 MiB."""


class MappingError(LeadsimError):
    """A column mapping file is missing, not YAML, or names unknown generic columns."""


class OutcomeRule(BaseModel):
    """Won/lost from a status column plus a close date (Salesforce opportunity stages)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str = Field(description="export column holding the status, e.g. 'Opportunity: Stage'")
    closed_at: str = Field(description="export column holding the close date")
    won: tuple[str, ...] = Field(description="status values meaning won, e.g. ['Closed Won']")
    lost: tuple[str, ...] = Field((), description="status values meaning lost")


class ColumnMapping(BaseModel):
    """Which export column holds each generic column; the schema of a user mapping file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "mapping"
    columns: dict[str, str] = Field(
        description="generic column -> export column, e.g. created_at: 'Erstellt am'"
    )
    outcome: OutcomeRule | None = Field(
        None, description="derive won_at / lost_at from a status column instead of two dates"
    )
    channel_aliases: dict[str, str] = Field(
        default_factory=dict,
        description="export channel value -> scenario channel name, e.g. 'Trade Show': trade_fair",
    )

    @field_validator("columns")
    @classmethod
    def _known_and_distinct(cls, columns: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(columns) - set(GENERIC_COLUMNS))
        if unknown:
            raise ValueError(f"unknown generic column(s) {', '.join(unknown)}")
        seen: dict[str, str] = {}
        for generic, column in columns.items():
            if column in seen:
                raise ValueError(f"export column {column!r} is mapped twice ({seen[column]}, {generic})")
            seen[column] = generic
        return columns

    def export_columns(self) -> list[str]:
        """The whitelist: every export column this mapping reads."""
        wanted = list(self.columns.values())
        if self.outcome is not None:
            wanted += [self.outcome.column, self.outcome.closed_at]
        return list(dict.fromkeys(wanted))

    def expected(self, generic: str) -> str:
        """How a generic column is found, for messages."""
        if generic in ("won_at", "lost_at") and self.outcome is not None and generic not in self.columns:
            return f"{self.outcome.column!r} + {self.outcome.closed_at!r}"
        return repr(self.columns.get(generic, generic))


GENERIC = ColumnMapping(name="generic", columns={name: name for name in GENERIC_COLUMNS})

# HubSpot contacts export (lifecycle-stage dates are HubSpot's standard contact properties).
HUBSPOT = ColumnMapping(
    name="hubspot",
    columns={
        "lead_id": "Record ID",
        "created_at": "Create Date",
        "channel": "Original Source",
        "first_contact_at": "Date of first engagement",
        "contact_attempts": "Number of Sales Activities",
        "mql_at": "Became a Marketing Qualified Lead Date",
        "sql_at": "Became a Sales Qualified Lead Date",
        "qualified_at": "Became an Opportunity Date",
        "won_at": "Became a Customer Date",
        "amount": "Recent Deal Amount",
        "owner": "Contact owner",
    },
    channel_aliases={
        "ORGANIC_SEARCH": "web_inquiry", "Organic Search": "web_inquiry",
        "PAID_SEARCH": "web_inquiry", "Paid Search": "web_inquiry",
        "DIRECT_TRAFFIC": "web_inquiry", "Direct Traffic": "web_inquiry",
        "REFERRALS": "referral", "Referrals": "referral",
        "OFFLINE": "trade_fair", "Offline Sources": "trade_fair",
        "EMAIL_MARKETING": "content_download", "Email Marketing": "content_download",
    },
)

# Salesforce "Leads with converted lead information" report, opportunity stage for the outcome.
SALESFORCE = ColumnMapping(
    name="salesforce",
    columns={
        "lead_id": "Lead ID",
        "created_at": "Create Date",
        "channel": "Lead Source",
        "first_contact_at": "First Activity",
        "contact_attempts": "Activity Count",
        "qualified_at": "Converted Date",
        "amount": "Opportunity: Amount",
        "owner": "Lead Owner",
    },
    outcome=OutcomeRule(
        column="Opportunity: Stage", closed_at="Opportunity: Close Date",
        won=("Closed Won",), lost=("Closed Lost",),
    ),
    channel_aliases={
        "Web": "web_inquiry", "Phone Inquiry": "web_inquiry",
        "Partner Referral": "referral", "Employee Referral": "referral",
        "External Referral": "referral", "Trade Show": "trade_fair", "Webinar": "webinar",
    },
)

PROFILES: dict[str, ColumnMapping] = {"generic": GENERIC, "hubspot": HUBSPOT, "salesforce": SALESFORCE}


def profile(name: str) -> ColumnMapping:
    """The built-in column mapping called ``name``."""
    try:
        return PROFILES[name]
    except KeyError:
        raise MappingError(
            f"--profile: unknown profile {name!r}; choose one of {', '.join(PROFILE_NAMES)} "
            "or write a mapping file (--mapping)"
        ) from None


def load_mapping(path: Path) -> ColumnMapping:
    """A user mapping file: ``columns: {generic: export column}`` plus optional outcome and aliases."""
    try:
        text = read_regular(path, MAX_MAPPING_BYTES).decode("utf-8")
    except (OSError, UnicodeDecodeError, ValueError) as error:  # ValueError: a FIFO, device or huge file
        raise MappingError(f"--mapping {path}: cannot read the file ({error})") from None
    try:
        data = YAML(typ="safe").load(text)
    except YAMLError as error:
        raise MappingError(f"--mapping {path}: not valid YAML ({error})") from error
    if not isinstance(data, dict):
        raise MappingError(f"--mapping {path}: expected a mapping with a 'columns:' section")
    data.setdefault("name", path.stem)
    try:
        return ColumnMapping.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}" for item in error.errors()
        )
        raise MappingError(
            f"--mapping {path}: {problems} (generic columns: {', '.join(GENERIC_COLUMNS)})"
        ) from error
