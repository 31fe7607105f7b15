"""``python -m matcher``: one matching run from files (see MATCHER-FORMAT.md)."""

from __future__ import annotations

import argparse
import sys
import time

from .errors import ConfigError, InputError
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


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    start = time.perf_counter()

    def progress(msg: str) -> None:
        if not args.quiet:
            print(f"[{time.perf_counter() - start:6.1f}s] {msg}", file=sys.stderr, flush=True)

    try:
        config = MatchConfig.from_toml(args.config) if args.config else MatchConfig()
    except ConfigError as exc:
        print(f"error: bad config: {exc}", file=sys.stderr)
        return 2
    progress(f"reading {args.input}...")
    try:
        members = read_members(args.input)
    except InputError as exc:
        print(str(exc), file=sys.stderr)
        print(f"error: {len(exc.problems)} problem(s) in {args.input}; nothing written", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot read {args.input}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    result = match(members, config, progress=progress)
    write_pairs(args.output, result.pairs)
    if args.summary:
        write_summary(args.summary, result.summary)
    s = result.summary
    progress(
        f"done: {s['mentees_matched']} of {s['mentees_eligible']} mentees matched "
        f"(maximum {s['max_matchable']}), mean score {s['mean_score']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
