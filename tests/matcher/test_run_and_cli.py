import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from matcher import match, parse_members, write_pairs

from .conftest import member, random_population

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args, cwd=ROOT):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "matcher", *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )


def test_unmatched_reasons_say_what_is_true_and_what_would_unblock_her():
    members = [
        member("m1", "KZ", roles=("mentor",), languages=("ru",), years=10, capacity=1),
        member("mfull", "KZ", roles=("mentor",), languages=("ru",), years=10, capacity=0),  # full before the run
        member("mtg", "UZ", roles=("mentor",), languages=("tg",), years=10, capacity=0),  # full too
        member("e1", "KG", languages=("ky",), years=1),  # no one speaks Kyrgyz
        member("e2", "KG", languages=("ru",), years=9),  # mentors not senior enough
        member("e3", "KG", languages=("ru",), years=1, exclude=("m1", "mfull")),
        member("e4", "TJ", languages=("ru",), years=1, goals=("leadership",)),
        member("e5", "TJ", languages=("ru",), years=2),
        member("e6", "KG", languages=("tg",), years=0),  # her only mentor is full
    ]
    s = match(members).summary
    assert s["mentees_matched"] == s["max_matchable"] == 1
    by_id = {u["id"]: u for u in s["unmatched"]}
    assert by_id["e1"]["reason"] == "no_compatible_mentor"
    assert by_id["e1"]["mentors_sharing_language"] == 0
    assert by_id["e1"]["language_hint"] == {"code": "ru", "mentors": 2}
    assert by_id["e2"]["reason"] == "no_compatible_mentor"
    assert (by_id["e2"]["needed_years"], by_id["e2"]["most_senior_years"]) == (11, 10)
    assert by_id["e3"]["reason"] == "excluded_or_declined"
    assert by_id["e3"]["excluded_mentors"] == 2
    assert by_id["e6"]["reason"] == "compatible_mentors_full"
    assert by_id["e6"]["full_mentors"] == 1
    assert by_id["e6"]["mentor_kind"] == {"country": "UZ", "language": "tg"}
    left = [u for u in s["unmatched"] if u["id"] in ("e4", "e5")]
    assert [u["reason"] for u in left] == ["places_used_for_others"]
    assert (left[0]["mentors_with_places"], left[0]["full_mentors"]) == (1, 1)
    assert s["unmatched_reasons"] == {
        "compatible_mentors_full": 1,
        "excluded_or_declined": 1,
        "no_compatible_mentor": 2,
        "places_used_for_others": 1,
    }
    assert [u["id"] for u in s["unmatched"]] == sorted(by_id)


def test_summary_keys_and_counts():
    rows = random_population(200, seed=1)
    result = match(parse_members([json.dumps(r) for r in rows]))
    s = result.summary
    for key in (
        "members",
        "mentees_eligible",
        "mentors",
        "mentor_places",
        "mentees_matched",
        "max_matchable",
        "places_left",
        "mean_score",
        "mean_goal_coverage",
        "score_histogram",
        "by_country",
        "flows",
        "unmatched",
        "unmatched_reasons",
        "config",
        "timings",
    ):
        assert key in s
    assert s["mentees_matched"] == len(result.pairs)
    assert sum(s["score_histogram"]["counts"]) == len(result.pairs)
    assert sum(f["pairs"] for f in s["flows"]) == len(result.pairs)
    assert sum(c["mentees_mentored"] for c in s["by_country"].values()) == len(result.pairs)
    assert s["mentees_eligible"] - s["mentees_matched"] == len(s["unmatched"])
    assert all(f["mentor_country"] != f["mentee_country"] for f in s["flows"])
    assert [p.mentee for p in result.pairs] == sorted(p.mentee for p in result.pairs)
    json.dumps(s)


def test_member_with_both_roles_mentors_one_and_is_mentored_by_another():
    a = member("a", "KZ", roles=("mentor",), years=20)
    b = member("b", "KG", roles=("mentor", "mentee"), years=10)
    c = member("c", "TJ", years=1)
    pairs = {(p.mentor, p.mentee) for p in match([a, b, c]).pairs}
    assert ("a", "b") in pairs and len(pairs) == 2 and all(x != y for x, y in pairs)


def test_same_result_whatever_the_input_order():
    rows = random_population(300, seed=2)
    members = parse_members([json.dumps(r) for r in rows])
    first = match(members).pairs
    assert match(list(reversed(members))).pairs == first


def test_determinism_byte_identical_files(tmp_path):
    rows = random_population(400, seed=4)
    src = tmp_path / "members.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    for name in ("a", "b"):
        assert (
            run_cli(
                "--input", src, "--output", tmp_path / f"{name}.jsonl", "--summary", tmp_path / f"{name}.json", "-q"
            ).returncode
            == 0
        )
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    sa, sb = (json.loads((tmp_path / f"{n}.json").read_text()) for n in "ab")
    sa.pop("timings"), sb.pop("timings")
    assert sa == sb


def test_cli_help():
    out = run_cli("--help")
    assert out.returncode == 0 and "--input" in out.stdout and "--summary" in out.stdout


def test_cli_good_run(tmp_path):
    rows = random_population(100, seed=6)
    src = tmp_path / "members.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = run_cli("--input", src, "--output", tmp_path / "pairs.jsonl", "--summary", tmp_path / "s.json")
    assert out.returncode == 0, out.stderr
    assert out.stdout == ""
    assert out.stderr == ""  # no progress into a pipe or a log
    pairs = [json.loads(x) for x in (tmp_path / "pairs.jsonl").read_text().splitlines()]
    assert pairs and set(pairs[0]) == {"mentor", "mentee", "score", "reasons"}
    assert json.loads((tmp_path / "s.json").read_text())["mentees_matched"] == len(pairs)


def test_cli_shows_progress_on_a_terminal(tmp_path):
    import pty

    src = tmp_path / "members.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in random_population(50, seed=6)))
    master, slave = pty.openpty()
    proc = subprocess.run(
        [sys.executable, "-m", "matcher", "--input", str(src), "--output", str(tmp_path / "p.jsonl")],
        stderr=slave,
        stdout=subprocess.PIPE,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        timeout=120,
    )
    os.close(slave)
    shown = b""
    try:
        while chunk := os.read(master, 65536):
            shown += chunk
    except OSError:  # the terminal is closed once everything is read
        pass
    os.close(master)
    assert proc.returncode == 0
    assert b"pricing every feasible pair" in shown and b"done:" in shown


@pytest.mark.parametrize(
    "change, fragment",
    [
        ({"years_of_service": 10**30}, "line 1: years_of_service must be between 0 and 80"),
        ({"capacity": 10**12, "roles": ["mentor"]}, "line 1: capacity must be an integer between 0 and 1000"),
        ({"years_of_service": 4.5}, "line 1: years_of_service must be an integer"),
    ],
)
def test_cli_out_of_range_numbers_are_bad_lines(tmp_path, change, fragment):
    src = tmp_path / "members.jsonl"
    src.write_text(json.dumps(dict(random_population(1, seed=0)[0], **change)) + "\n")
    out = run_cli("--input", src, "--output", tmp_path / "p.jsonl")
    assert out.returncode == 2
    assert fragment in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "p.jsonl").exists()


@pytest.mark.parametrize("flag", ["--output", "--summary"])
def test_cli_missing_output_folder_is_one_line_and_writes_nothing(tmp_path, flag):
    src = tmp_path / "members.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in random_population(20, seed=0)))
    paths = {"--output": tmp_path / "p.jsonl", "--summary": tmp_path / "s.json"}
    paths[flag] = tmp_path / "nowhere" / "x.json"
    out = run_cli("--input", src, "--output", paths["--output"], "--summary", paths["--summary"])
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1 and "does not exist" in out.stderr
    assert list(tmp_path.iterdir()) == [src]


def test_cli_bad_input_writes_nothing_and_exits_2(tmp_path):
    good = random_population(3, seed=0)
    src = tmp_path / "members.jsonl"
    src.write_text(
        json.dumps(good[0]) + "\n{broken\n" + json.dumps(dict(good[1], roles=["boss"])) + "\n" + json.dumps(good[0]) + "\n"
    )
    out = run_cli("--input", src, "--output", tmp_path / "pairs.jsonl")
    assert out.returncode == 2
    lines = [x for x in out.stderr.splitlines() if x.startswith("line ")]
    assert lines[0].startswith("line 2: malformed JSON")
    assert lines[1] == "line 3: unknown role 'boss' (want 'mentor' and/or 'mentee')"
    assert lines[2] == f"line 4: duplicate id '{good[0]['id']}' (first on line 1)"
    assert not (tmp_path / "pairs.jsonl").exists()
    existing = tmp_path / "old.jsonl"
    existing.write_text("keep me\n")
    assert run_cli("--input", src, "--output", existing).returncode == 2
    assert existing.read_text() == "keep me\n"


@pytest.mark.parametrize(
    "content, fragment",
    [
        ("w_goals = 1\n", "unknown configuration key 'w_goals'"),
        ("w_bio = \n", "not valid TOML"),
        ("top_k = 0\n", "top_k must be >= 1"),
    ],
)
def test_cli_bad_config_exits_2(tmp_path, content, fragment):
    src = tmp_path / "members.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in random_population(5, seed=0)))
    cfg = tmp_path / "w.toml"
    cfg.write_text(content)
    out = run_cli("--input", src, "--output", tmp_path / "p.jsonl", "--config", cfg)
    assert out.returncode == 2 and fragment in out.stderr
    assert not (tmp_path / "p.jsonl").exists()


def test_import_does_not_load_flask_or_web():
    code = "import sys, matcher; print(sorted(m for m in ('flask', 'web', 'jobs') if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_doctests_pass():
    import doctest
    import importlib

    for name in (
        "matcher",
        "matcher.errors",
        "matcher.model",
        "matcher.io",
        "matcher.constraints",
        "matcher.features",
        "matcher.run",
    ):
        res = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        assert res.failed == 0, name


def test_write_pairs_keeps_old_file_when_writing_fails(tmp_path, monkeypatch):
    out = tmp_path / "pairs.jsonl"
    out.write_text("old\n")

    class Boom:
        def to_dict(self):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_pairs(out, [Boom()])
    assert out.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["pairs.jsonl"]
