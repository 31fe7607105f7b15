"""Reading members and writing pairs and summaries (MATCHER-FORMAT.md)."""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable

from .errors import InputError
from .model import Member, Pair

__all__ = [
    "parse_members",
    "read_members",
    "write_pairs",
    "write_summary",
    "member_to_dict",
    "pairs_to_jsonl",
]

ROLES = ("mentor", "mentee")
#: Bounds that keep every count inside the solver's integer range.
MAX_YEARS = 80
MAX_CAPACITY = 1000
_COUNTRY = re.compile(r"[A-Z]{2}")
_LANGUAGE = re.compile(r"[a-z]{2}")
_SLUG = re.compile(r"[a-z0-9][a-z0-9_\-]*")
_FIELDS = (
    "id",
    "country",
    "agency",
    "roles",
    "languages",
    "skills",
    "goals",
    "bio",
    "years_of_service",
    "capacity",
    "exclude",
)
_OPTIONAL = {"bio": "", "exclude": []}


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _str_list(obj, name, problems, pattern=None, what=None, hint=""):
    value = obj.get(name)
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        problems.append(f"{name} must be a list of strings")
        return ()
    out = []
    for x in value:
        if pattern is not None and not pattern.fullmatch(x):
            problems.append(f"{name}: bad {what} {x!r}{hint}")
        elif x not in out:
            out.append(x)
    return tuple(out)


def _member_from_obj(obj) -> tuple[Member | None, list[str]]:
    problems: list[str] = []
    missing = [k for k in _FIELDS if k not in obj and k not in _OPTIONAL]
    for k in missing:
        problems.append(f"missing field {k!r}")
    for k in sorted(k for k in obj if k not in _FIELDS):
        problems.append(f"unknown field {k!r}")
    if missing:
        return None, problems

    mid = obj["id"]
    if not isinstance(mid, str) or not mid.strip():
        problems.append("id must be a non-empty string")
    country = obj["country"]
    if not isinstance(country, str) or not _COUNTRY.fullmatch(country):
        problems.append(f"bad country {country!r} (want 2 capital letters, ISO 3166-1 alpha-2)")
    agency = obj["agency"]
    if not isinstance(agency, str) or not _SLUG.fullmatch(agency):
        problems.append(f"bad agency {agency!r} (want a slug such as 'border_service')")

    roles = obj["roles"]
    if not isinstance(roles, list) or not roles or not all(isinstance(r, str) for r in roles):
        problems.append("roles must be a non-empty list of strings")
        roles = ()
    else:
        for r in roles:
            if r not in ROLES:
                problems.append(f"unknown role {r!r} (want 'mentor' and/or 'mentee')")
        roles = tuple(r for r in ROLES if r in roles)

    languages = _str_list(obj, "languages", problems, _LANGUAGE, "language code", " (want ISO 639-1 such as 'ru')")
    slug_hint = " (want a slug such as 'border_management')"
    skills = _str_list(obj, "skills", problems, _SLUG, "slug", slug_hint)
    goals = _str_list(obj, "goals", problems, _SLUG, "slug", slug_hint)

    bio = obj.get("bio", "")
    if bio is None:
        bio = ""
    if not isinstance(bio, str):
        problems.append("bio must be a string")

    years = obj["years_of_service"]
    if not _is_int(years):
        problems.append(f"years_of_service must be an integer, not {years!r}")
    elif not 0 <= years <= MAX_YEARS:
        problems.append(f"years_of_service must be between 0 and {MAX_YEARS}, not {years}")

    capacity = obj["capacity"]
    if not _is_int(capacity) or not 0 <= capacity <= MAX_CAPACITY:
        problems.append(f"capacity must be an integer between 0 and {MAX_CAPACITY}, not {capacity!r}")
    elif capacity > 0 and isinstance(roles, tuple) and roles and "mentor" not in roles:
        problems.append(f"capacity {capacity} given but she is not a mentor (capacity must be 0)")

    exclude = obj.get("exclude", [])
    if exclude is None:
        exclude = []
    if not isinstance(exclude, list) or not all(isinstance(x, str) for x in exclude):
        problems.append("exclude must be a list of member ids (strings)")
        exclude = ()
    else:
        exclude = tuple(dict.fromkeys(exclude))

    if problems:
        return None, problems
    return (
        Member(
            id=mid,
            country=country,
            agency=agency,
            roles=roles,
            languages=languages,
            skills=skills,
            goals=goals,
            bio=bio,
            years_of_service=years,
            capacity=capacity,
            exclude=exclude,
        ),
        problems,
    )


def parse_members(lines: Iterable[str | bytes]) -> list[Member]:
    """Parse JSON Lines of members, checking every line.

    Blank lines are skipped. Members are returned in file order.

    Parameters
    ----------
    lines : iterable of str or bytes
        The lines of a members file (a file object works).

    Returns
    -------
    list of Member

    Raises
    ------
    InputError
        Listing every problem of every line (and the line of each repeated id).

    Examples
    --------
    >>> line = ('{"id": "u1", "country": "KZ", "agency": "police", "roles": ["mentee"],'
    ...         ' "languages": ["ru"], "skills": [], "goals": ["leadership"],'
    ...         ' "years_of_service": 3, "capacity": 0}')
    >>> [m.id for m in parse_members([line])]
    ['u1']
    >>> parse_members([line, line, "{oops"])
    Traceback (most recent call last):
    ...
    matcher.errors.InputError: line 2: duplicate id 'u1' (first on line 1)
    line 3: malformed JSON: ...
    """
    members: list[Member] = []
    problems: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError:
                problems.append((number, "not valid UTF-8"))
                continue
        if number == 1:
            raw = raw.removeprefix("\ufeff")
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            problems.append((number, f"malformed JSON: {exc.msg} (column {exc.colno})"))
            continue
        if not isinstance(obj, dict):
            problems.append((number, f"not a JSON object but {type(obj).__name__}"))
            continue
        member, found = _member_from_obj(obj)
        problems.extend((number, p) for p in found)
        mid = obj.get("id")
        if isinstance(mid, str):
            if mid in seen:
                problems.append((number, f"duplicate id {mid!r} (first on line {seen[mid]})"))
                continue
            seen[mid] = number
        if member is not None:
            members.append(member)
    if problems:
        raise InputError(problems)
    return members


def read_members(path) -> list[Member]:
    """Read and check a members file (JSON Lines, UTF-8).

    Raises
    ------
    InputError
        For bad content, see :func:`parse_members`.
    OSError
        When the file cannot be read.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "m.jsonl"
    >>> _ = p.write_text("")
    >>> read_members(p)
    []
    """
    with open(path, "rb") as fh:
        return parse_members(fh)


def member_to_dict(member: Member) -> dict:
    """The input-file JSON object of a member (the inverse of parsing).

    Examples
    --------
    >>> m = Member("u1", "KG", "customs", ("mentee",), ("ru",), (), ("leadership",))
    >>> member_to_dict(m)["goals"]
    ['leadership']
    """
    return {
        "id": member.id,
        "country": member.country,
        "agency": member.agency,
        "roles": list(member.roles),
        "languages": list(member.languages),
        "skills": list(member.skills),
        "goals": list(member.goals),
        "bio": member.bio,
        "years_of_service": member.years_of_service,
        "capacity": member.capacity,
        "exclude": list(member.exclude),
    }


def pairs_to_jsonl(pairs: Iterable[Pair]) -> str:
    """The pairs file content: one JSON object a line, in the given order.

    Examples
    --------
    >>> pairs_to_jsonl([Pair("u9", "u17", 0.5, ())])
    '{"mentor": "u9", "mentee": "u17", "score": 0.5, "reasons": []}\\n'
    """
    return "".join(json.dumps(p.to_dict(), ensure_ascii=False) + "\n" for p in pairs)


def _atomic_write(path, text: str) -> None:
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_pairs(path, pairs: Iterable[Pair]) -> None:
    """Write the pairs file whole or not at all (temp file, then ``os.replace``).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "pairs.jsonl"
    >>> write_pairs(p, [Pair("u9", "u17", 0.73, ())])
    >>> p.read_text()
    '{"mentor": "u9", "mentee": "u17", "score": 0.73, "reasons": []}\\n'
    """
    _atomic_write(path, pairs_to_jsonl(pairs))


def write_summary(path, summary: dict) -> None:
    """Write a run summary as indented JSON (keys sorted), atomically.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "s.json"
    >>> write_summary(p, {"members": 0})
    >>> p.read_text()
    '{\\n  "members": 0\\n}\\n'
    """
    _atomic_write(path, json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
