"""How the pages say things: roles, codes and times in words a practitioner reads."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
_ACRONYMS = {"mash": "MASH", "crs": "CRS", "edt": "EDT", "idva": "IDVA", "dsl": "DSL", "nfa": "NFA"}
_WORDS = {
    "NO_FURTHER_ACTION": "No further action",
    "ADVICE_TO_REFERRER": "Advice to the referrer",
    "FAMILY_HELP": "Family Help",
    "FAMILY_SAFEGUARDING": "Family Safeguarding",
    "JIGSAW": "Jigsaw (disability)",
    "YOUNG_PEOPLES_SERVICE": "Young People's Service",
    "SECTION_47_STRATEGY_MEETING": "Section 47 strategy meeting",
    "CONSENT_CANNOT_BE_GIVEN": "Consent cannot be given",
    "CONSENT_CANNOT_REASONABLY_BE_OBTAINED": "Consent cannot reasonably be obtained",
    "SEEKING_CONSENT_WOULD_PREJUDICE_PROTECTION": "Seeking consent would prejudice the child's protection",
    "OWN_AGENCY": "your agency's own record",
    "CONSENT": "consent",
    "OVERRIDE": "an approved consent override",
    "ALLOCATED": "your allocation to the child",
    "BREAK_GLASS": "break glass",
    "EXISTENCE": "existence only",
    "TELEPHONE": "Phone",
    "NOT_SOUGHT": "Not sought",
    "GIVEN": "Given",
    "PARENT_OF": "parent of",
    "SIBLING_OF": "sibling of",
    "PARTNER_OF": "partner of",
    "CARER_OF": "carer of",
    "RELATIVE_OF": "relative of",
}
_RAG = {"RED": "red", "AMBER": "yellow", "GREEN": "green"}


def words(code: str | None) -> str:
    """A code (an enum value, a role) as words: the known ones by name, others by their parts."""
    if not code:
        return ""
    if code in _WORDS:
        return _WORDS[code]
    parts = code.lower().split("_")
    said = " ".join(_ACRONYMS.get(part, part) for part in parts)
    return said[:1].upper() + said[1:]


def role(code: str | None) -> str:
    return words(code)


def rag_colour(urgency: str) -> str:
    return _RAG.get(urgency, "grey")


def when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(LONDON)
    hour = local.strftime("%I").lstrip("0") or "12"
    return f"{local.day} {local:%B %Y} at {hour}:{local:%M}{local:%p}".replace("AM", "am").replace("PM", "pm")


def day(value: date | None) -> str:
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y}"


def time_left(due_by: datetime, now: datetime) -> tuple[str, bool]:
    """'2 hours 5 minutes left' or '3 hours overdue', and whether it is overdue."""
    remaining = due_by - now
    overdue = remaining < timedelta(0)
    span = -remaining if overdue else remaining
    days, seconds = span.days, span.seconds
    hours, minutes = seconds // 3600, (seconds % 3600) // 60
    if days:
        said = f"{days} day{'s' if days != 1 else ''}" + (f" {hours} hour{'s' if hours != 1 else ''}" if hours else "")
    elif hours:
        said = f"{hours} hour{'s' if hours != 1 else ''}" + (f" {minutes} min" if minutes else "")
    else:
        said = f"{minutes} min"
    return (f"{said} overdue", True) if overdue else (f"{said} left", False)


def now() -> datetime:
    return datetime.now(UTC)
