"""`flask runs export` writes a run so that `python -m matcher` reproduces it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from tests.factories import make_coordinator, make_member, make_mentor
from web.runs.publishing import publish_run
from web.runs.running import run_matching

pytest.importorskip("matcher", reason="the matcher library is not importable yet")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOW = datetime(2025, 3, 10, 1, 0, tzinfo=UTC)


def _matcher(members, output, *extra):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "matcher",
            "--input",
            str(members),  # noqa: S603
            "--output",
            str(output),
            "-q",
            *extra,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in output.read_text().splitlines()]


def test_exported_run_is_reproduced_by_the_matcher(db, runner, tmp_path):
    from web.demo import seed

    seed(80)
    db.session.commit()
    run = run_matching(db.session, now=NOW, started_by="scheduler", auto_publish=False)
    members, pairs = tmp_path / "members.jsonl", tmp_path / "pairs.jsonl"

    result = runner.invoke(args=["runs", "export", str(run.id), "--members", str(members), "--pairs", str(pairs)])

    assert result.exit_code == 0, result.output
    exported = [json.loads(line) for line in pairs.read_text().splitlines()]
    assert len(exported) == len(run.pairs) > 0
    assert _matcher(members, tmp_path / "again.jsonl") == exported


def test_export_lists_pairs_dropped_at_write_time_and_leaves_them_out(db, runner, tmp_path):
    from web.matches.proposals import propose
    from web.models import Member

    make_mentor(db, country="KZ", languages=("ru",), capacity=2, years_of_service=20)
    make_member(db, country="KG", languages=("ru",))
    make_member(db, country="UZ", languages=("ru",))
    coordinator = make_coordinator(db)
    run = run_matching(db.session, now=NOW, started_by="scheduler", auto_publish=False, config_overrides={"w_bio": 0.0})
    taken = run.pairs[0]
    propose(
        make_mentor(db, country="TJ", languages=("ru",)),
        db.session.get(Member, taken.mentee_id),
        run=None,
        score=None,
        reasons=[],
        actor=coordinator,
        now=NOW,
    )
    db.session.commit()
    publish_run(db.session, run, actor=coordinator, now=NOW)
    members, pairs, config = (tmp_path / n for n in ("m.jsonl", "p.jsonl", "w.toml"))

    result = runner.invoke(
        args=["runs", "export", str(run.id), "--members", str(members), "--pairs", str(pairs), "--config", str(config)]
    )

    assert result.exit_code == 0, result.output
    assert f"mentee {taken.mentee_id} (mentee_taken)" in result.output
    exported = [json.loads(line) for line in pairs.read_text().splitlines()]
    full = _matcher(members, tmp_path / "again.jsonl", "--config", str(config))
    assert len(full) == 2
    assert [p for p in full if p["mentee"] != str(taken.mentee_id)] == exported


def test_export_of_a_missing_run_says_so(runner, db, tmp_path):
    result = runner.invoke(args=["runs", "export", "999", "--members", str(tmp_path / "m"), "--pairs", str(tmp_path / "p")])
    assert result.exit_code == 1
    assert "no run 999" in result.output


def test_runs_publish_command_sends_a_drafts_proposals(db, runner):
    from sqlalchemy import func, select

    from web.models import Mentorship

    make_mentor(db, country="KZ", languages=("ru",), capacity=2, years_of_service=20)
    make_member(db, country="KG", languages=("ru",))
    make_coordinator(db, email="coord@example.org")
    run = run_matching(db.session, now=NOW, started_by="scheduler", auto_publish=False)

    result = runner.invoke(args=["runs", "publish", str(run.id), "--as", "coord@example.org"])

    assert result.exit_code == 0, result.output
    assert "1 proposals" in result.output
    assert db.session.scalar(select(func.count(Mentorship.id))) == 1
    again = runner.invoke(args=["runs", "publish", str(run.id)])
    assert again.exit_code == 1, "a published run cannot be published again"
    assert db.session.scalar(select(func.count(Mentorship.id))) == 1
