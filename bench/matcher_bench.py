"""Benchmark of the matcher against a plain baseline and the exact optimum.

Usage::

    python bench/matcher_bench.py [--sizes 1000,10000,100000] [--cases realistic,templated]
                                  [--seed 7] [--exact-max 10000] [--repeat 3] [--repeat-from 100000]

For each case (``bench/population.py``) and size, the population is written to
a file by one subprocess, then each solver runs in its own fresh subprocess so
that its peak memory (``ru_maxrss``, which includes reading the members) is its
own:

``matcher``
    ``matcher.match`` with the default configuration;
``baseline``
    the plain approach: per mentee, the 64 feasible mentors covering most of her
    goals (every pair scanned in blocks), then one min-cost flow (OR-Tools,
    maximum flow, then the most coverage);
``exact``
    the exact optimum of goal coverage at the maximum number matched: a
    min-cost flow on every feasible pair (up to ``--exact-max`` members).
    Above that, the matcher's own certificate stands in for it: its last
    pricing round checked every feasible pair against the flow's potentials
    and found none that could raise the coverage (``certified``).

Mean goal coverage is over the matched mentees who have goals.  Every solver
runs with one BLAS thread (``ONE_THREAD``), so CPU seconds compare work.  From
``--repeat-from`` members (100,000) the matcher and the baseline run
``--repeat`` times (3), alternating, and each row shows the median run: this
machine's speed drifts by up to a third over minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

TOP = 64


def _generate(case: str, n: int, seed: int, path: str) -> None:
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    import population

    population.write_jsonl(path, population.CASES[case](n, seed))


def _arrays(members):
    """Mentee and mentor arrays of the plain approaches (mentors with places)."""
    ids = {m.id: i for i, m in enumerate(members)}
    mentees = [m for m in members if m.is_mentee]
    mentors = [m for m in members if m.is_mentor and m.capacity > 0]
    topics = sorted({s for m in members for s in (*m.skills, *m.goals)})
    langs = sorted({x for m in members for x in m.languages})
    countries = sorted({m.country for m in members})
    t, la, co = ({v: i for i, v in enumerate(x)} for x in (topics, langs, countries))

    def onehot(rows, vocab, width):
        out = np.zeros((len(rows), max(width, 1)), dtype=np.float32)
        for i, r in enumerate(rows):
            for v in r:
                out[i, vocab[v]] = 1.0
        return out

    blocked = set()
    for m in members:
        for x in m.exclude:
            if x in ids:
                blocked.add((m.id, x))
                blocked.add((x, m.id))
    return {
        "mentees": mentees,
        "mentors": mentors,
        "goals": onehot([m.goals for m in mentees], t, len(topics)),
        "skills": onehot([m.skills for m in mentors], t, len(topics)),
        "lang_e": onehot([m.languages for m in mentees], la, len(langs)),
        "lang_m": onehot([m.languages for m in mentors], la, len(langs)),
        "country_e": np.array([co[m.country] for m in mentees]),
        "country_m": np.array([co[m.country] for m in mentors]),
        "years_e": np.array([m.years_of_service for m in mentees]),
        "years_m": np.array([m.years_of_service for m in mentors]),
        "capacity": np.array([m.capacity for m in mentors], dtype=np.int64),
        "blocked": blocked,
    }


def _scan(a, min_gap, top, block=256):
    """Feasible pairs and goals covered; all of them, or the ``top`` per mentee by coverage."""
    n_goals = a["goals"].sum(axis=1)
    inv = np.where(n_goals > 0, 1.0 / np.maximum(n_goals, 1), 0.0)
    out_e, out_m, out_c = [], [], []
    for lo in range(0, len(a["mentees"]), block):
        sl = slice(lo, lo + block)
        ok = a["country_e"][sl, None] != a["country_m"][None, :]
        ok &= (a["lang_e"][sl] @ a["lang_m"].T) > 0
        ok &= a["years_m"][None, :] >= a["years_e"][sl, None] + min_gap
        covered = a["goals"][sl] @ a["skills"].T
        if top is None:
            r, c = np.nonzero(ok)
        else:
            key = np.where(ok, covered * inv[sl, None], -1.0)
            k = min(top, key.shape[1])
            c = np.argpartition(-key, k - 1, axis=1)[:, :k]
            r = np.repeat(np.arange(key.shape[0]), k)
            c = c.ravel()
            keep = key[r, c] >= 0
            r, c = r[keep], c[keep]
        out_e.append(lo + r)
        out_m.append(c)
        out_c.append(covered[r, c].astype(np.int64))
    e, m, cov = np.concatenate(out_e), np.concatenate(out_m), np.concatenate(out_c)
    if a["blocked"]:
        pairs = zip(e.tolist(), m.tolist(), strict=True)
        keep = np.array([(a["mentees"][i].id, a["mentors"][j].id) not in a["blocked"] for i, j in pairs], dtype=bool)
        e, m, cov = e[keep], m[keep], cov[keep]
    return e, m, cov


def _flow(a, e, m, covered):
    """Maximum flow, then the most total coverage; returns (matched, total coverage)."""
    from ortools.graph.python import min_cost_flow

    from matcher.assign import coverage_units

    ne, nm = len(a["mentees"]), len(a["mentors"])
    n_goals = a["goals"].sum(axis=1).astype(np.int64)
    units = coverage_units(n_goals)
    per_goal = np.where(n_goals > 0, units // np.maximum(n_goals, 1), 0)
    src, sink = ne + nm, ne + nm + 1
    tails = np.concatenate([np.full(ne, src), e, ne + np.arange(nm)]).astype(np.int32)
    heads = np.concatenate([np.arange(ne), ne + m, np.full(nm, sink)]).astype(np.int32)
    caps = np.concatenate([np.ones(ne), np.ones(len(e)), a["capacity"]]).astype(np.int64)
    costs = np.concatenate([np.zeros(ne), -(covered * per_goal[e]), np.zeros(nm)]).astype(np.int64)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    flow.set_node_supply(src, ne)
    flow.set_node_supply(sink, -ne)
    if flow.solve_max_flow_with_min_cost() != flow.OPTIMAL:
        raise RuntimeError("min-cost flow failed")
    used = flow.flows(np.arange(ne, ne + len(e), dtype=np.int32)) > 0
    with_goals = n_goals[e[used]] > 0
    total = float((covered[used] / np.maximum(n_goals[e[used]], 1))[with_goals].sum())
    return int(used.sum()), total, int(with_goals.sum())


def run_one(kind: str, path: str, min_gap: int = 2) -> dict:
    from matcher import MatchConfig, match, read_members

    t0 = time.perf_counter()
    members = read_members(path)
    read_s = time.perf_counter() - t0
    out: dict = {"kind": kind}
    if kind == "matcher":
        t1, c1 = time.perf_counter(), time.process_time()
        s = match(members, MatchConfig(min_gap=min_gap)).summary
        out.update(
            matched=s["mentees_matched"],
            maximum=s["max_matchable"],
            total_coverage=s["total_goal_coverage"],
            with_goals=s["mentees_with_goals_matched"],
            certified=s["assignment"]["coverage_certified"],
            rounds=s["assignment"]["pricing_rounds"],
            candidates=s["assignment"]["candidate_pairs"],
            added=s["assignment"]["pairs_added_by_pricing"],
            mean_score=s["mean_score"],
        )
    else:
        t1, c1 = time.perf_counter(), time.process_time()
        a = _arrays(members)
        e, m, cov = _scan(a, min_gap, TOP if kind == "baseline" else None)
        out["pairs"] = int(len(e))
        out["matched"], out["total_coverage"], out["with_goals"] = _flow(a, e, m, cov)
    out["seconds"] = round(time.perf_counter() - t1, 2)
    out["cpu_seconds"] = round(time.process_time() - c1, 2)
    out["read_seconds"] = round(read_s, 2)
    out["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


#: Every solver runs with one BLAS thread: on the shared 2-core machine, idle BLAS
#: threads spin and add CPU seconds that are not work (the matcher limits itself to
#: one thread anyway, so the baseline gets the same terms).
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _sub(args: list[str]) -> dict | str:
    proc = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, env={**os.environ, **ONE_THREAD}
    )
    if proc.returncode:
        return "failed: " + " ".join(proc.stderr.strip().splitlines()[-1:])
    return json.loads(proc.stdout) if proc.stdout.strip() else {}


def _median_run(results: list) -> dict | str:
    """The run of median CPU time (a failure if any failed), with every run's CPU seconds and the largest peak."""
    failed = [r for r in results if isinstance(r, str)]
    if failed:
        return failed[0]
    ordered = sorted(results, key=lambda r: r["cpu_seconds"])
    out = dict(ordered[(len(ordered) - 1) // 2])
    out["cpu_runs"] = [r["cpu_seconds"] for r in results]
    out["peak_mb"] = max(r["peak_mb"] for r in results)
    return out


def _mean(r) -> float:
    return r["total_coverage"] / r["with_goals"] if r.get("with_goals") else 0.0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated member counts")
    parser.add_argument("--cases", default="realistic,templated", help="populations of bench/population.py")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--exact-max", type=int, default=10000, help="largest size solved on every feasible pair")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the matcher and the baseline, alternating")
    parser.add_argument("--repeat-from", type=int, default=100000, help="smallest size run --repeat times")
    parser.add_argument("--one", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--generate", nargs=3, metavar=("CASE", "N", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.generate:
        _generate(args.generate[0], int(args.generate[1]), args.seed, args.generate[2])
        return 0
    if args.one:
        print(json.dumps(run_one(*args.one)))
        return 0
    print(
        f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores; "
        "one BLAS thread per solver",
        flush=True,
    )
    header = f"{'case':>9} {'members':>8} {'solver':>8} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} {'matched':>8} {'max':>7} "
    print(header + f"{'mean cov':>9} {'exact cov':>9} {'ratio':>7}  notes", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for case in args.cases.split(","):
            for n in (int(x) for x in args.sizes.split(",")):
                path = os.path.join(tmp, f"{case}-{n}.jsonl")
                gen = _sub(["--generate", case, str(n), path, "--seed", str(args.seed)])
                if isinstance(gen, str):
                    print(f"{case:>9} {n:>8} generation {gen}", flush=True)
                    continue
                # Alternating runs, so that a slow spell of the machine hits both solvers; the
                # row shown is each one's median run (by CPU seconds).
                pairs = [
                    (_sub(["--one", "matcher", path]), _sub(["--one", "baseline", path]))
                    for _ in range(max(args.repeat, 1) if n >= args.repeat_from else 1)
                ]
                runs = {"matcher": _median_run([a for a, _ in pairs]), "baseline": _median_run([b for _, b in pairs])}
                if n <= args.exact_max:
                    runs["exact"] = _sub(["--one", "exact", path])
                mine = runs["matcher"]
                exact = runs.get("exact")
                if isinstance(exact, dict):
                    best, how = _mean(exact), "min-cost flow on every feasible pair"
                elif isinstance(mine, dict) and mine.get("certified"):
                    best, how = _mean(mine), "certified by pricing every feasible pair"
                else:
                    best, how = None, "not known"
                for kind, r in runs.items():
                    if isinstance(r, str):
                        print(f"{case:>9} {n:>8} {kind:>8} {r}", flush=True)
                        continue
                    maximum = mine.get("maximum", "-") if isinstance(mine, dict) else "-"
                    ratio = f"{_mean(r) / best:.4f}" if best else "-"
                    notes = {
                        "matcher": f"rounds {r.get('rounds')}, candidates {r.get('candidates')}, "
                        f"added by pricing {r.get('added')}, mean score {r.get('mean_score')}; optimum {how}",
                        "baseline": f"{r.get('pairs')} candidate pairs",
                        "exact": f"{r.get('pairs')} feasible pairs",
                    }[kind]
                    print(
                        f"{case:>9} {n:>8} {kind:>8} {r['seconds']:>8} {r['cpu_seconds']:>8} {r['peak_mb']:>8} "
                        f"{r['matched']:>8} {maximum:>7} {_mean(r):>9.4f} {(best or 0):>9.4f} {ratio:>7}  {notes}",
                        flush=True,
                    )
                if isinstance(mine, dict) and isinstance(runs["baseline"], dict):
                    b = runs["baseline"]
                    each = ""
                    if len(pairs) > 1:
                        ratios = " ".join(f"{x['cpu_seconds'] / max(y['cpu_seconds'], 1e-9):.2f}" for x, y in pairs)
                        cpus = "/".join(str(c) for c in mine["cpu_runs"]), "/".join(str(c) for c in b["cpu_runs"])
                        each = (
                            f" (medians of {len(pairs)} alternating runs: cpu s {cpus[0]} and {cpus[1]}; per pair {ratios})"
                        )
                    print(
                        f"{'':>9} {'':>8} matcher/baseline: wall {mine['seconds'] / max(b['seconds'], 1e-9):.2f}, "
                        f"cpu {mine['cpu_seconds'] / max(b['cpu_seconds'], 1e-9):.2f}{each}; seconds exclude reading "
                        f"the file (matcher {mine['read_seconds']} s, baseline {b['read_seconds']} s)",
                        flush=True,
                    )
                os.unlink(path)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
