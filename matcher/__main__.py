"""``python -m matcher``: one matching run from files (see MATCHER-FORMAT.md)."""

from __future__ import annotations

import argparse
import os
import sys
import time

from .errors import ConfigError, InputError, SolverError
from .io import read_members, write_pairs, write_summary
from .model import MatchConfig
from .run import match


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m matcher",
        description=(
            "Match mentees with mentors across borders: first as many mentees as the "
            "constraints allow, then the best total compatibility. Reads members as JSON "
            "Lines, writes pairs as JSON Lines (sorted by mentee id)."
        ),
        epilog="Bad input: every problem is printed as 'line N: ...', nothing is written, exit status 2.",
    )
    parser.add_argument("--input", required=True, metavar="MEMBERS.jsonl", help="members, one JSON object a line")
    parser.add_argument("--output", required=True, metavar="PAIRS.jsonl", help="pairs file, written whole or not at all")
    parser.add_argument("--config", metavar="WEIGHTS.toml", help="weights and parameters (key = value)")
    parser.add_argument("--summary", metavar="SUMMARY.json", help="write the run summary as JSON")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
    return parser


def _check_output(path, what: str) -> str | None:
    """A one-line problem with an output path, or None."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        return f"{what} {path} is a folder, not a file"
    if not os.path.isdir(folder):
        return f"the folder of {what} {path} does not exist: {folder}"
    if not os.access(folder, os.W_OK):
        return f"cannot write {what} {path}: the folder {folder} is not writable"
    return None


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    start = time.perf_counter()
    # Progress is for a person watching: only on a terminal, never in logs or pipes.
    show = not args.quiet and sys.stderr.isatty()

    def progress(msg: str) -> None:
        if show:
            print(f"[{time.perf_counter() - start:6.1f}s] {msg}", file=sys.stderr, flush=True)

    def fail(msg: str, status: int = 2) -> int:
        print(f"error: {msg}", file=sys.stderr)
        return status

    try:
        config = MatchConfig.from_toml(args.config) if args.config else MatchConfig()
    except ConfigError as exc:
        return fail(f"bad config: {exc}")
    for path, what in ((args.output, "output"), (args.summary, "summary")):
        problem = path and _check_output(path, what)
        if problem:
            return fail(f"{problem}; nothing written")
    progress(f"reading {args.input}...")
    try:
        members = read_members(args.input)
    except InputError as exc:
        print(str(exc), file=sys.stderr)
        return fail(f"{len(exc.problems)} problem(s) in {args.input}; nothing written")
    except OSError as exc:
        return fail(f"cannot read {args.input}: {exc.strerror or exc}")
    try:
        result = match(members, config, progress=progress)
    except SolverError as exc:
        return fail(f"the solver failed: {exc}; nothing written", 1)
    except MemoryError:
        return fail(f"out of memory matching {len(members)} members; nothing written", 1)
    try:
        if args.summary:
            write_summary(args.summary, result.summary)
        try:
            write_pairs(args.output, result.pairs)
        except BaseException:
            if args.summary:
                os.unlink(args.summary)
            raise
    except OSError as exc:
        return fail(f"cannot write {exc.filename or args.output}: {exc.strerror or exc}; nothing written")
    s = result.summary
    progress(
        f"done: {s['mentees_matched']} of {s['mentees_eligible']} mentees matched "
        f"(maximum {s['max_matchable']}), mean goal coverage {s['mean_goal_coverage']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
