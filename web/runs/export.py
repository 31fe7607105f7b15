"""Export a stored run in the matcher's file format, to reproduce it outside the app."""

from __future__ import annotations

from pathlib import Path

from ..extensions import db
from ..models import MatchRun


def export_run(run_id: int, members_path, pairs_path, config_path=None) -> tuple[list[dict], bool]:
    """Write the run's snapshot and its kept pairs; return (dropped pairs, config is default).

    The pairs are the matcher's output for the snapshot less those dropped at
    publication, in the matcher's order (by mentee id).
    """
    from matcher import MatchConfig, Pair, write_pairs

    run = db.session.get(MatchRun, run_id)
    if run is None:
        raise LookupError(f"no run {run_id}")
    if not run.snapshot:
        raise LookupError(f"run {run_id} has no input snapshot (it failed before reading members)")
    dropped = list(run.dropped or [])
    gone = {(d["mentor"], d["mentee"]) for d in dropped}
    pairs = [
        Pair(str(p.mentor_id), str(p.mentee_id), p.score, tuple(p.reasons or ()))
        for p in run.pairs
        if (str(p.mentor_id), str(p.mentee_id)) not in gone
    ]
    Path(members_path).write_text(run.snapshot, encoding="utf-8")
    write_pairs(pairs_path, pairs)
    config = dict(run.config or {})
    if config_path:
        Path(config_path).write_text("".join(f"{k} = {v!r}\n" for k, v in sorted(config.items())), encoding="utf-8")
    default = not config or MatchConfig.from_mapping(config) == MatchConfig()
    return dropped, default
