import json

import pytest

from matcher import InputError, Member, Pair, member_to_dict, parse_members, read_members, write_pairs

GOOD = {
    "id": "u17",
    "country": "KZ",
    "agency": "border_service",
    "roles": ["mentee"],
    "languages": ["ru", "kk"],
    "skills": ["border_management"],
    "goals": ["leadership"],
    "bio": "текст",
    "years_of_service": 4,
    "capacity": 0,
    "exclude": ["u3"],
}


def line(**changes):
    obj = dict(GOOD, **changes)
    for k, v in changes.items():
        if v is KeyError:
            del obj[k]
    return json.dumps(obj, ensure_ascii=False)


def problems(lines):
    with pytest.raises(InputError) as info:
        parse_members(lines)
    return info.value.problems


def test_good_line_round_trips_through_member_to_dict():
    [m] = parse_members([json.dumps(GOOD)])
    assert m == Member(
        "u17",
        "KZ",
        "border_service",
        ("mentee",),
        ("ru", "kk"),
        ("border_management",),
        ("leadership",),
        "текст",
        4,
        0,
        ("u3",),
    )
    assert member_to_dict(m) == GOOD


def test_optional_fields_may_be_missing_and_blank_lines_are_skipped():
    members = parse_members(["", line(bio=KeyError, exclude=KeyError), "   "])
    assert members[0].bio == "" and members[0].exclude == ()


@pytest.mark.parametrize(
    "bad, fragment",
    [
        ("{not json", "malformed JSON"),
        ("[1, 2]", "not a JSON object"),
        (line(id=KeyError), "missing field 'id'"),
        (line(roles=["boss"]), "unknown role 'boss'"),
        (line(roles=[]), "roles must be a non-empty list"),
        (line(country="kz"), "bad country 'kz'"),
        (line(country="KAZ"), "bad country"),
        (line(languages=["rus"]), "bad language code 'rus'"),
        (line(languages="ru"), "languages must be a list of strings"),
        (line(years_of_service=-1), "years_of_service must be between 0 and 80"),
        (line(years_of_service="4"), "years_of_service must be an integer"),
        (line(years_of_service=True), "years_of_service must be an integer"),
        (line(capacity=-1), "capacity must be an integer between 0 and 1000"),
        (line(capacity=1.5), "capacity must be an integer between 0 and 1000"),
        (line(capacity=2), "not a mentor"),
        (line(exclude="u3"), "exclude must be a list"),
        (line(exclude=[3]), "exclude must be a list"),
        (line(skills=["Border Management"]), "skills: bad slug"),
        (line(bio=5), "bio must be a string"),
        (line(colour="red"), "unknown field 'colour'"),
    ],
)
def test_each_problem_is_reported_with_its_line(bad, fragment):
    found = problems([line(id="a"), bad])
    assert found and all(n == 2 for n, _ in found)
    assert any(fragment in msg for _, msg in found), found


def test_every_problem_is_reported_not_just_the_first():
    found = problems(
        [
            line(id="a"),
            "{oops",
            line(id="b", country="kz", languages=["russian"], years_of_service=-2),
            line(id="a"),
            line(id="c", roles=["chief"]),
        ]
    )
    lines = [n for n, _ in found]
    assert lines == [2, 3, 3, 3, 4, 5]
    assert "line 4: duplicate id 'a' (first on line 1)" in str(InputError(found)).splitlines()


def test_str_lists_problems_as_line_n():
    err = InputError([(2, "b"), (1, "a")])
    assert str(err) == "line 1: a\nline 2: b"


def test_read_members_reports_invalid_utf8(tmp_path):
    p = tmp_path / "m.jsonl"
    p.write_bytes(json.dumps(GOOD).encode() + b"\n\xff\xfe\n")
    with pytest.raises(InputError) as info:
        read_members(p)
    assert info.value.problems == [(2, "not valid UTF-8")]


def test_write_pairs_replaces_whole_file_and_leaves_no_temp(tmp_path):
    out = tmp_path / "pairs.jsonl"
    out.write_text("old\n")
    write_pairs(out, [Pair("a", "b", 0.123456, ({"kind": "shared_language", "code": "ru"},))])
    assert out.read_text() == (
        '{"mentor": "a", "mentee": "b", "score": 0.1235, "reasons": [{"kind": "shared_language", "code": "ru"}]}\n'
    )
    assert [p.name for p in tmp_path.iterdir()] == ["pairs.jsonl"]
