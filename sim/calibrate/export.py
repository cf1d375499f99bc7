"""Reading a client's CRM export: one row per lead, checked completely before anything is used.

A CRM export is whatever the client's system produced: a semicolon-separated file from a German
Excel, US dates with AM/PM, empty cells, columns nobody asked for. This module reads only the
whitelisted columns of a profile (``sim.calibrate.profiles``), parses dates in the common
spreadsheet formats in a given time zone, hashes ids and owners, and rejects what cannot be
right (missing columns, unparseable dates, contact before creation, duplicated ids, values beyond
what a scenario allows) with one message per problem naming the column and the file lines, so the
consultant can fix the export. Only a regular file of at most MAX_EXPORT_BYTES is read.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from sim.calibrate.profiles import DATE_COLUMNS, REQUIRED_COLUMNS, ColumnMapping
from sim.errors import LeadsimError
from sim.files import FileTooLargeError, NotRegularFileError, read_regular
from sim.scenario.limits import clip
from sim.scenario.schema import HUGE

SHOWN_LINES = 5
"""How many offending lines a message lists (the first few are enough to find the pattern)."""
CLOCK_SKEW_HOURS = 1 / 60
"""Contact up to a minute before creation is clock skew between systems, not an error."""
HASH_CHARS = 12
MAX_EXPORT_BYTES = 50 * 1024 * 1024
"""Largest export read (50 MiB): a year of an ordinary CRM's leads is a few MB, and the file is
held in memory whole. Larger files are usually full of columns leadsim never reads."""
# The scenario schema's limits for what the export sets, checked here so a bad value is named by
# its column and lines instead of by a line of the generated scenario (a test keeps them in step).
MAX_CHANNELS = 100
"""Channels a scenario may have (``channels``)."""
MAX_ATTEMPTS = 100
"""Contact attempts per lead (``sales.max_attempts`` is 1-100)."""
MAX_LEADS_PER_WEEK = 100_000
"""Leads a week per channel (``channels[].leads_per_week``)."""
MAX_OWNERS = 1000
"""Distinct owners of contacted leads (they become ``sales.reps``, 1-1000)."""
MAX_AMOUNT = HUGE
"""Largest deal amount (amounts and durations in a scenario are at most 10^12)."""
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:\.\d+)?[eE][+-]?\d+$")
_NOT_FINITE = re.compile(r"^[+-]?(?:inf|infinity|nan)$", re.IGNORECASE)

# Families of spreadsheet date formats; within a family, formats fill what the previous left.
DATE_FAMILIES: dict[str, tuple[str, ...]] = {
    "ISO 8601": ("ISO8601",),
    "DD.MM.YYYY": ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%d.%m.%y %H:%M", "%d.%m.%y"),
    "MM/DD/YYYY": (
        "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y",
        "%m/%d/%y %I:%M %p", "%m/%d/%y",
    ),
    "DD/MM/YYYY": ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y"),
    "YYYY/MM/DD": ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d"),
}
_AWARE = re.compile(r"(?:Z|[+-]\d\d:?\d\d)$")


class ExportError(LeadsimError):
    """A CRM export that cannot be read or contains values that cannot be right."""


@dataclass(frozen=True)
class LeadExport:
    """A checked export: generic columns, local time-zone-aware dates, hashed ids."""

    leads: pd.DataFrame
    source: str
    mapping: str
    timezone: str
    date_formats: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    column_names: dict[str, str] = field(default_factory=dict)
    """The export's column of each generic column, for messages ('channel' -> 'Original Source')."""

    @property
    def has(self) -> frozenset[str]:
        """Generic columns present with at least one value."""
        return frozenset(column for column in self.leads.columns if self.leads[column].notna().any())


def hash_value(value: str, salt: str) -> str:
    """Salted SHA-256 prefix: rows stay distinguishable, the client's ids do not leave the export."""
    return hashlib.sha256(f"{salt}\x00{value}".encode()).hexdigest()[:HASH_CHARS]


def channel_slug(value: str) -> str:
    """A scenario channel name (``^[a-z][a-z0-9_]*$``) from a CRM source label."""
    slug = re.sub(r"[^a-z0-9]+", "_", value.strip().lower()).strip("_")
    if not slug:
        return "unknown"
    return slug if slug[0].isalpha() else f"c_{slug}"


def lines(rows: Sequence[int] | pd.Index) -> str:
    """File line numbers (the header is line 1) of data rows, the first few."""
    numbers = [int(row) + 2 for row in list(rows)[:SHOWN_LINES]]
    more = len(rows) - len(numbers)
    text = ", ".join(str(number) for number in numbers)
    return f"{text} and {more} more" if more > 0 else text


def read_export(
    path: Path,
    mapping: ColumnMapping,
    timezone: str = "UTC",
    date_format: str | None = None,
    encoding: str = "utf-8",
    salt: str | None = None,
) -> LeadExport:
    """Read and check a CRM export; raise ExportError naming column and lines on bad input."""
    zone = _zone(timezone)
    if date_format:
        check_date_format(date_format)
    text = _decode(path, encoding)
    raw = _parse_csv(text, path, mapping)
    problems: list[str] = []
    leads = pd.DataFrame(index=raw.index)
    salt = salt if salt is not None else secrets.token_hex(16)
    formats: dict[str, str] = {}
    date_only: dict[str, pd.Series] = {}
    for generic, column in mapping.columns.items():
        if column not in raw:
            continue
        values = raw[column].str.strip()
        if generic in DATE_COLUMNS:
            date_only[generic] = (values != "") & ~values.str.contains(":", regex=False)
            leads[generic], chosen, problem = parse_dates(values, zone, date_format, column)
            formats[generic] = chosen
            if problem:
                problems.append(problem)
        elif generic in ("contact_attempts", "amount"):
            leads[generic], found = _numbers(values, column, generic)
            problems += found
        elif generic in ("lead_id", "owner"):
            leads[generic] = values.where(values != "")
        elif generic == "lost_reason":
            leads["lost_reason_given"] = values != ""  # free text never leaves this function
        else:
            leads[generic] = values
    if mapping.outcome is not None:
        problem = _outcome(raw, leads, mapping, zone, date_format, formats)
        if problem:
            problems.append(problem)
    problems += _check_rows(leads, mapping, date_only)
    aliases = {key.strip().lower(): value for key, value in mapping.channel_aliases.items()}
    leads["channel"] = leads["channel"].map(
        lambda value: aliases.get(value.lower(), channel_slug(value)) if value else "unknown"
    )
    problems += _check_counts(leads, mapping)
    if problems:
        raise ExportError(f"{path}: " + f"\n{path}: ".join(problems))
    leads["lead_id"] = leads["lead_id"].map(lambda value: hash_value(value, salt))
    if "owner" in leads:
        leads["owner"] = leads["owner"].map(lambda value: hash_value(value, salt), na_action="ignore")
    names = {generic: column for generic, column in mapping.columns.items() if column in raw}
    return LeadExport(leads.reset_index(drop=True), str(path), mapping.name, timezone, formats, column_names=names)


def check_date_format(date_format: str) -> None:
    """Refuse a --date-format that is no strftime format ('%Q', a stray '%', a repeated field)."""
    try:
        pd.to_datetime(pd.Series(["2026-01-01"]), format=date_format, errors="coerce")
    except (ValueError, TypeError, re.error) as error:
        raise ExportError(
            f"--date-format {clip(date_format)!r} is not a date format ({error}); use strftime "
            "directives, each once, e.g. --date-format '%d.%m.%Y %H:%M' (%d day, %m month, %Y year, "
            "%H hour, %M minute, %S second, %I/%p 12-hour clock)"
        ) from None


def first_lines(values: pd.Series, chosen: Sequence[str]) -> str:
    """File lines on which each of ``chosen`` first appears in ``values`` (the first few)."""
    first = values.drop_duplicates()  # keeps each value's first row (its index)
    return lines(sorted(first.index[first.isin(list(chosen))]))


# ------------------------------------------------------------------ file level


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ExportError(
            f"--timezone: unknown time zone {name!r}; use an IANA name such as Europe/Berlin or UTC"
        ) from None


def _decode(path: Path, encoding: str) -> str:
    try:
        data = read_regular(path, MAX_EXPORT_BYTES)
    except NotRegularFileError as error:
        raise ExportError(
            f"{path}: the export is {error}; pass the CSV file the CRM exported (a FIFO, device or "
            "folder is never read)"
        ) from None
    except FileTooLargeError as error:
        raise ExportError(
            f"{path}: the export is {error.size:,} bytes; calibrate reads exports of at most "
            f"{MAX_EXPORT_BYTES // 1024**2} MiB ({MAX_EXPORT_BYTES:,} bytes), held in memory whole - "
            "a year of an ordinary CRM's leads is a few MB. Export only the columns calibrate reads "
            "(docs/calibration.md) or a shorter period"
        ) from None
    except OSError as error:
        raise ExportError(f"{path}: cannot read the export ({error.strerror or error})") from error
    if not data.strip():
        raise ExportError(f"{path}: the export is empty; expected a CSV file with a header line")
    if b"\x00" in data[:65536]:
        raise ExportError(
            f"{path}: this is not a CSV text file (it contains binary data); export the report "
            "from the CRM as CSV (not XLSX or ZIP)"
        )
    try:
        return data.decode("utf-8-sig" if encoding.lower().replace("_", "-") == "utf-8" else encoding)
    except LookupError:
        raise ExportError(f"--encoding: unknown encoding {encoding!r} (e.g. utf-8, cp1252, latin-1)") from None
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ExportError(
            f"{path}: line {line} is not valid {encoding} text (byte {data[error.start]:#04x}); "
            "the export was probably saved in another encoding - pass it with --encoding, "
            "e.g. --encoding cp1252 for Excel on Windows or --encoding latin-1"
        ) from None


def _parse_csv(text: str, path: Path, mapping: ColumnMapping) -> pd.DataFrame:
    sample = "\n".join(text.splitlines()[:50])
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    wanted = mapping.export_columns()
    try:
        header = next(csv.reader(io.StringIO(text), delimiter=delimiter))
    except (csv.Error, StopIteration) as error:
        raise ExportError(f"{path}: not a readable CSV file ({error})") from None
    header = [name.strip() for name in header]
    missing = [
        generic for generic in REQUIRED_COLUMNS
        if not _source_of(generic, mapping) or not set(_source_of(generic, mapping)) <= set(header)
    ]
    if missing:
        shown = ", ".join(repr(name) for name in header[:15]) + (" …" if len(header) > 15 else "")
        needed = "; ".join(f"{generic} (column {mapping.expected(generic)})" for generic in missing)
        hint = "" if len(header) > 1 else (
            " - the header has a single column, so this may not be a CSV file or uses another delimiter;"
        )
        raise ExportError(
            f"{path}: missing required column(s): {needed}. The header (line 1) has {len(header)} "
            f"column(s): {shown}{hint} choose the matching --profile (generic, hubspot, salesforce) "
            "or map the columns in a --mapping file"
        )
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False, skipinitialspace=True,
            usecols=lambda name: name.strip() in wanted, on_bad_lines="error",
            # Never an implicit index: pandas would silently take the first columns of a file
            # whose rows are longer than its header as the index (and read the rest shifted).
            index_col=False,
        )
    except (pd.errors.ParserError, csv.Error, ValueError) as error:
        raise ExportError(
            f"{path}: not a well-formed CSV file with delimiter {delimiter!r}: {error}; "
            "check for unclosed quotes or rows with more fields than the header"
        ) from None
    frame.columns = [str(name).strip() for name in frame.columns]
    if frame.empty:
        raise ExportError(f"{path}: the export has a header but no lead rows")
    # With usecols pandas ignores fields beyond the header, so a shifted row would pass unnoticed.
    long_rows = _long_rows(text, delimiter, len(header))
    if long_rows:
        shown = ", ".join(f"{line} ({fields} fields)" for line, fields in long_rows[:SHOWN_LINES])
        more = f" and {len(long_rows) - SHOWN_LINES} more" if len(long_rows) > SHOWN_LINES else ""
        raise ExportError(
            f"{path}: {len(long_rows)} row(s) have more fields than the header (line 1 has "
            f"{len(header)} columns), on line(s) {shown}{more}; a value containing the delimiter "
            f"{delimiter!r} must be quoted - check these rows for a shifted or unquoted field"
        )
    return frame


def _long_rows(text: str, delimiter: str, width: int) -> list[tuple[int, int]]:
    """(line, fields) of rows with non-empty fields beyond the header's ``width`` columns.

    Empty trailing fields (a delimiter at the end of every row, as some spreadsheets write) are no
    harm: nothing is shifted.
    """
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, skipinitialspace=True)
    found: list[tuple[int, int]] = []
    try:
        next(reader, None)
        start = reader.line_num + 1
        for record in reader:
            if len(record) > width and any(value.strip() for value in record[width:]):
                found.append((start, len(record)))
            start = reader.line_num + 1
    except csv.Error:  # pandas has already read the file; a quirk of the csv module is no finding
        return found
    return found


def _source_of(generic: str, mapping: ColumnMapping) -> tuple[str, ...]:
    if generic in mapping.columns:
        return (mapping.columns[generic],)
    if generic in ("won_at", "lost_at") and mapping.outcome is not None:
        return (mapping.outcome.column, mapping.outcome.closed_at)
    return ()


# ------------------------------------------------------------------ values


def parse_dates(
    values: pd.Series, zone: ZoneInfo, date_format: str | None, column: str
) -> tuple[pd.Series, str, str | None]:
    """Dates of one column in the best-fitting format family, as aware times in ``zone``."""
    present = values.fillna("") != ""
    families = {"--date-format": (date_format,)} if date_format else DATE_FAMILIES
    best: tuple[int, str, pd.Series] | None = None
    for family, formats in families.items():
        parsed = _parse_family(values.where(present), formats, zone)
        failures = int((present & parsed.isna()).sum())
        if best is None or failures < best[0]:
            best = (failures, family, parsed)
        if failures == 0:
            break
    assert best is not None
    failures, family, parsed = best
    if failures == 0:
        return parsed, family, None
    bad = values.index[present & parsed.isna()]
    examples = ", ".join(repr(value) for value in values[bad][:3])
    tried = f"--date-format {date_format!r}" if date_format else ", ".join(DATE_FAMILIES)
    return parsed, family, (
        f"column {column!r}: {failures} date(s) cannot be read, on line(s) {lines(bad)} "
        f"(e.g. {examples}); tried {tried} - pass the export's format with --date-format, "
        "e.g. --date-format '%d.%m.%Y %H:%M'"
    )


def _parse_family(values: pd.Series, formats: Sequence[str], zone: ZoneInfo) -> pd.Series:
    result = pd.Series(pd.NaT, index=values.index, dtype=f"datetime64[ns, {zone.key}]")
    for date_format in formats:
        todo = result.isna() & values.notna()
        if not todo.any():
            break
        chunk = values[todo]
        # Only ISO values carry an offset ("Z", "+02:00"); they are converted, the rest localised.
        if date_format == "ISO8601":
            aware = chunk.str.contains(_AWARE, na=False)
        else:
            aware = pd.Series(False, index=chunk.index)
        if aware.any():
            parsed = pd.to_datetime(chunk[aware], format=date_format, errors="coerce", utc=True)
            result.loc[parsed.index] = parsed.dt.tz_convert(zone)
        naive = chunk[~aware]
        if len(naive):
            parsed = pd.to_datetime(naive, format=date_format, errors="coerce")
            if getattr(parsed.dt, "tz", None) is None:
                parsed = parsed.dt.tz_localize(
                    zone, ambiguous=np.zeros(len(parsed), dtype=bool), nonexistent="shift_forward"
                )
            result.loc[parsed.index] = parsed.dt.tz_convert(zone)
    return result


def _numbers(values: pd.Series, column: str, generic: str) -> tuple[pd.Series, list[str]]:
    """Amounts or attempts as numbers, and a message per kind of bad value (with lines and examples)."""
    whole = generic == "contact_attempts"
    maximum = MAX_ATTEMPTS if whole else MAX_AMOUNT
    text = values.fillna("").str.strip()
    cleaned = text.map(_number_text)
    numbers = pd.to_numeric(cleaned.where(cleaned != ""), errors="coerce")
    # 'inf' and 'nan' lose their letters in _number_text; 400 digits become inf in to_numeric.
    infinite = values.index[text.str.match(_NOT_FINITE) | (numbers.notna() & ~np.isfinite(numbers))]
    numbers[infinite] = np.nan
    bad = values.index[(cleaned != "") & numbers.isna()].difference(infinite)
    negative = values.index[numbers < 0]
    if whole:
        negative = negative.union(values.index[numbers.notna() & (numbers % 1 != 0)])
    kind = "a whole number" if whole else "a number"
    allowed = f"{kind} from 0 to {maximum:,.0f}" if whole else f"{kind} from 0 to 10^12"
    problems = []
    for rows, what in ((bad, "not a number"), (infinite, "not a finite number"), (negative, "below 0" if not whole
                       else "negative or not whole")):
        if len(rows):
            problems.append(
                f"column {column!r}: {len(rows)} value(s) {what}, on line(s) {lines(rows)} "
                f"(e.g. {_examples(values, rows)}); expected {allowed} or an empty cell"
            )
    large = values.index[numbers > maximum]
    if len(large):
        limit = (
            f"a scenario allows at most {MAX_ATTEMPTS} contact attempts per lead (sales.max_attempts "
            f"is 1 to {MAX_ATTEMPTS}) - correct these rows or leave contact_attempts out of the mapping"
            if whole else "a deal amount is at most 10^12"
        )
        problems.append(
            f"column {column!r}: {len(large)} value(s) above {maximum:,.0f}, on line(s) {lines(large)} "
            f"(e.g. {_examples(values, large)}); {limit}"
        )
    return numbers, problems


def _examples(values: pd.Series, rows: pd.Index) -> str:
    return ", ".join(repr(clip(str(value), 40)) for value in values[rows][:3])


def _number_text(text: str) -> str:
    """'12.500,00 €' and '$12,500.00' -> '12500.00'; the last separator is the decimal point."""
    if _SCIENTIFIC.match(text.strip()):  # '1.5E+15' as spreadsheets write large numbers: not '1.515'
        return text.strip()
    text = re.sub(r"[^\d,.\-]", "", text)
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        return text.replace(thousands, "").replace(decimal, ".")
    if "," in text:  # a lone comma: decimal if followed by 1-2 digits, else thousands
        head, _, tail = text.rpartition(",")
        return f"{head.replace(',', '')}.{tail}" if len(tail) <= 2 else text.replace(",", "")
    return text


def _outcome(
    raw: pd.DataFrame, leads: pd.DataFrame, mapping: ColumnMapping, zone: ZoneInfo,
    date_format: str | None, formats: dict[str, str],
) -> str | None:
    rule = mapping.outcome
    assert rule is not None
    status = raw[rule.column].str.strip()
    closed, family, problem = parse_dates(raw[rule.closed_at].str.strip(), zone, date_format, rule.closed_at)
    formats["closed_at"] = family
    won, lost = status.isin(rule.won), status.isin(rule.lost)
    if "won_at" not in leads:
        leads["won_at"] = closed.where(won)
    if "lost_at" not in leads:
        leads["lost_at"] = closed.where(lost)
    undated = raw.index[(won | lost) & closed.isna() & (raw[rule.closed_at].str.strip() == "")]
    if len(undated) and problem is None:
        problem = f"column {rule.closed_at!r}: closed (won or lost) leads without a close date on line(s) {lines(undated)}"
    return problem


def _check_counts(leads: pd.DataFrame, mapping: ColumnMapping) -> list[str]:
    """Channels and owners beyond what a scenario can hold (channels, sales.reps)."""
    problems: list[str] = []
    channels = list(dict.fromkeys(leads["channel"]))
    if len(channels) > MAX_CHANNELS:
        beyond = channels[MAX_CHANNELS:]
        problems.append(
            f"column {mapping.expected('channel')}: {len(channels)} different channels (e.g. "
            f"{', '.join(repr(clip(name, 40)) for name in beyond[:3])}); a scenario has at most "
            f"{MAX_CHANNELS} - the channels beyond the {MAX_CHANNELS}th first appear on line(s) "
            f"{first_lines(leads['channel'], beyond)}; merge small sources into one channel with "
            "channel_aliases in a --mapping file"
        )
    if "owner" in leads and "first_contact_at" in leads:
        owners = leads["owner"][leads["first_contact_at"].notna()].dropna()
        distinct = list(dict.fromkeys(owners))
        if len(distinct) > MAX_OWNERS:
            problems.append(
                f"column {mapping.expected('owner')}: {len(distinct):,} different owners of contacted leads; "
                f"they become sales.reps, which is 1 to {MAX_OWNERS} - the owners beyond the "
                f"{MAX_OWNERS}th first appear on line(s) {first_lines(owners, distinct[MAX_OWNERS:])}; "
                "map a team column instead of a person, or leave owner out of the mapping"
            )
    return problems


def _check_rows(leads: pd.DataFrame, mapping: ColumnMapping, date_only: dict[str, pd.Series]) -> list[str]:
    problems: list[str] = []
    id_column = mapping.expected("lead_id")
    empty = leads.index[leads["lead_id"].isna()]
    if len(empty):
        problems.append(f"column {id_column}: empty lead id on line(s) {lines(empty)}")
    duplicated = leads.index[leads["lead_id"].notna() & leads["lead_id"].duplicated(keep=False)]
    if len(duplicated):
        problems.append(
            f"column {id_column}: {len(duplicated)} rows share a lead id, on line(s) {lines(duplicated)}; "
            "export one row per lead (a contacts or leads report, not activities or deals)"
        )
    created = leads.get("created_at")
    if created is not None:
        missing = leads.index[created.isna()]
        if len(missing):
            problems.append(f"column {mapping.expected('created_at')}: empty creation date on line(s) {lines(missing)}")
        for generic in ("first_contact_at", "qualified_at", "won_at", "lost_at"):
            if generic not in leads:
                continue
            hours = (leads[generic] - created).dt.total_seconds() / 3600
            # A date without a time (midnight) on the day of creation is not before it.
            same_day = date_only.get(generic, False) & (leads[generic].dt.normalize() == created.dt.normalize())
            before = leads.index[(hours < -CLOCK_SKEW_HOURS) & ~same_day]
            if len(before):
                problems.append(
                    f"column {mapping.expected(generic)}: {len(before)} lead(s) have {generic} before "
                    f"created_at (negative duration), on line(s) {lines(before)}; check the time zone "
                    "of both columns or correct these rows"
                )
    return problems
