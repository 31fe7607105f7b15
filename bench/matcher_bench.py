"""Benchmark of the matcher on seeded synthetic populations.

Usage::

    python bench/matcher_bench.py [--sizes 1000,10000,100000] [--seed 7] [--dense-max 10000]

Each size runs in a fresh subprocess so that its peak memory (``ru_maxrss``)
is honest.  Beside the matcher, scipy's dense ``linear_sum_assignment`` solves
the same problem (scores of all feasible pairs, mentor places expanded into
slots, one "unmatched" column per mentee priced so that cardinality comes
first) where it fits, so both are compared in one run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

TAXONOMY = (
    "leadership gender_responsive_leadership inclusive_teams high_pressure_communication "
    "crisis_communication public_speaking negotiation decision_making_under_stress "
    "border_management document_security customs_control counter_trafficking "
    "counter_terrorism_pve cybercrime digital_forensics criminal_investigation "
    "community_policing domestic_violence_response victim_support anti_corruption "
    "human_rights international_cooperation training_instruction project_management "
    "police_english career_planning promotion_preparation work_life_balance "
    "mentoring_others research_analysis media_relations"
).split()
AGENCIES = (
    "police border_service customs prosecutor police_academy drug_control emergency ministry women_police_association other"
).split()
AGENCY_P = np.array([30, 15, 10, 8, 6, 5, 5, 6, 10, 5], dtype=float)
COUNTRIES = {"KZ": ("kk", 0.30), "UZ": ("uz", 0.30), "KG": ("ky", 0.17), "TJ": ("tg", 0.15), "TM": ("tk", 0.06)}
GUESTS = {"MN": ("mn", 0.01), "AF": ("fa", 0.005), "DE": ("de", 0.005)}
BIO_RU = [
    "Работаю в пограничной службе, руковожу сменой на пункте пропуска.",
    "Следователь, занимаюсь делами о торговле людьми и защите пострадавших.",
    "Преподаю в академии МВД, интересуюсь лидерством и публичными выступлениями.",
    "Инспектор по делам несовершеннолетних, работа с семьями и профилактика насилия.",
    "Аналитик по киберпреступности, цифровая криминалистика и расследования.",
    "Таможенный инспектор, документальный контроль и международное сотрудничество.",
]
BIO_EN = [
    "Border guard officer leading a shift at a crossing point.",
    "Investigator working on human trafficking cases and victim support.",
    "Lecturer at the police academy, interested in leadership and public speaking.",
    "Cybercrime analyst, digital forensics and investigations.",
    "Customs officer, document security and international cooperation.",
]


def generate(n: int, seed: int = 7) -> list[dict]:
    """A synthetic population of ``n`` members as input-file dicts."""
    rng = np.random.default_rng(seed)
    places = {**COUNTRIES, **GUESTS}
    codes = list(places)
    p_country = np.array([places[c][1] for c in codes])
    p_country /= p_country.sum()
    popularity = 1.0 / np.arange(1, len(TAXONOMY) + 1) ** 0.8  # skewed (Zipf-like)
    p_slug = popularity / popularity.sum()
    members = []
    for i in range(n):
        country = codes[rng.choice(len(codes), p=p_country)]
        langs = []
        if country in COUNTRIES or rng.random() < 0.5:
            if rng.random() < 0.9:
                langs.append("ru")
        if rng.random() < 0.85 or not langs:
            langs.append(places[country][0])
        if rng.random() < 0.25:
            langs.append("en")
        r = rng.random()
        roles = ["mentor"] if r < 0.27 else (["mentor", "mentee"] if r < 0.35 else ["mentee"])
        years = int(min(30, rng.gamma(2.5, 4.0)))
        if "mentor" in roles:
            years = int(min(30, years + rng.integers(3, 12)))
        skills = rng.choice(len(TAXONOMY), size=rng.integers(1, 6), replace=False, p=p_slug)
        goals = rng.choice(len(TAXONOMY), size=rng.integers(1, 5), replace=False, p=p_slug)
        bio = ""
        if rng.random() < 0.7:
            pool = BIO_RU if rng.random() < 0.7 else BIO_EN
            bio = " ".join(pool[k] for k in rng.choice(len(pool), size=rng.integers(1, 3), replace=False))
        members.append(
            {
                "id": f"u{i:06d}",
                "country": country,
                "agency": AGENCIES[rng.choice(len(AGENCIES), p=AGENCY_P / AGENCY_P.sum())],
                "roles": roles,
                "languages": langs,
                "skills": [TAXONOMY[k] for k in sorted(skills)],
                "goals": [TAXONOMY[k] for k in goals],
                "bio": bio,
                "years_of_service": years,
                "capacity": int(rng.integers(1, 4)) if "mentor" in roles else 0,
                "exclude": [],
            }
        )
    for i in rng.choice(n, size=max(1, n // 200), replace=False):  # a few declines
        members[i]["exclude"] = [f"u{int(j):06d}" for j in rng.choice(n, size=2, replace=False) if j != i]
    return members


def _dense_reference(members, config):
    """Dense linear_sum_assignment on every feasible pair (slots expanded)."""
    from scipy.optimize import linear_sum_assignment

    from matcher.features import CompatibilityScorer
    from matcher.run import _population

    members = sorted(members, key=lambda m: m.id)
    scorer = CompatibilityScorer.from_config(config).fit(members)
    pop = _population(members, scorer, config)
    e, m = np.meshgrid(np.arange(pop.n_mentees), np.arange(pop.n_mentors), indexing="ij")
    e, m = e.ravel(), m.ravel()
    ep, mp = pop.mentees[e], pop.mentors[m]
    ok = pop.country[ep] != pop.country[mp]
    ok &= (pop.languages[ep] & pop.languages[mp]).any(axis=1)
    ok &= pop.years[mp] >= pop.years[ep] + config.min_gap
    for p, qs in pop.blocked.items():
        for q in qs:
            ok &= ~((ep == p) & (mp == q))
    e, m = e[ok], m[ok]
    s = scorer.score(pop.mentors[m], pop.mentees[e])
    slot_start = np.concatenate([[0], np.cumsum(pop.capacity)])
    n_slots = int(slot_start[-1])
    big = 3.0 * (pop.n_mentees + 2)
    cost = np.full((pop.n_mentees, n_slots + pop.n_mentees), np.inf)
    cost[np.arange(pop.n_mentees), n_slots + np.arange(pop.n_mentees)] = big
    for t in range(int(pop.capacity.max(initial=0))):
        has = pop.capacity[m] > t
        cost[e[has], slot_start[m[has]] + t] = 2.0 - s[has]
    r, c = linear_sum_assignment(cost)
    real = c < n_slots
    return int(real.sum()), float((2.0 - cost[r[real], c[real]]).sum())


def run_one(n: int, seed: int, dense: bool) -> dict:
    from matcher import MatchConfig, match, pairs_to_jsonl, parse_members

    lines = [json.dumps(d) for d in generate(n, seed)]
    members = parse_members(lines)
    config = MatchConfig()
    t0, c0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    result = match(members, config)
    seconds = time.perf_counter() - t0
    c1 = resource.getrusage(resource.RUSAGE_SELF)
    s = result.summary
    out = {
        "members": n,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(c1.ru_utime - c0.ru_utime, 2),
        "sys_seconds": round(c1.ru_stime - c0.ru_stime, 2),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0),
        "mentees": s["mentees_eligible"],
        "matched": s["mentees_matched"],
        "max_possible": s["max_matchable"],
        "mean_goal_coverage": s["mean_goal_coverage"],
        "total_score": round(sum(p.score for p in result.pairs), 2),
        "timings": s["timings"],
        "pairs_sha256": hashlib.sha256(pairs_to_jsonl(result.pairs).encode()).hexdigest()[:12],
    }
    if dense:
        t0 = time.perf_counter()
        matched, total = _dense_reference(members, config)
        out["dense_seconds"] = round(time.perf_counter() - t0, 2)
        out["dense_matched"] = matched
        out["dense_total_score"] = round(total, 2)
        out["peak_mb_with_dense"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated member counts")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dense-max", type=int, default=5000, help="largest size also solved densely")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one, args.seed, args.one <= args.dense_max)))
        return 0
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average: {load} on {os.cpu_count()} cores", flush=True)
    header = (
        f"{'members':>8} {'seconds':>8} {'cpu s':>7} {'sys s':>6} {'peak MB':>8} {'mentees':>8} "
        f"{'matched':>8} {'max':>8} {'goal cov':>8} {'total':>10} | "
        f"{'dense s':>8} {'dense matched':>13} {'dense total':>11}"
    )
    print(header, flush=True)
    for n in (int(x) for x in args.sizes.split(",")):
        proc = subprocess.run(
            [sys.executable, __file__, "--one", str(n), "--seed", str(args.seed), "--dense-max", str(args.dense_max)],
            capture_output=True,
            text=True,
        )
        if proc.returncode:
            print(f"{n:>8} failed: {proc.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(proc.stdout)
        dense = (
            f"{r['dense_seconds']:>8} {r['dense_matched']:>13} {r['dense_total_score']:>11}"
            if "dense_seconds" in r
            else f"{'-':>8} {'(too big)':>13} {'-':>11}"
        )
        print(
            f"{n:>8} {r['seconds']:>8} {r['cpu_seconds']:>7} {r['sys_seconds']:>6} {r['peak_mb']:>8.0f} "
            f"{r['mentees']:>8} {r['matched']:>8} {r['max_possible']:>8} {r['mean_goal_coverage']:>8} "
            f"{r['total_score']:>10} | {dense}",
            flush=True,
        )
        timings = dict(r["timings"])
        cpu = timings.pop("cpu", {})
        print(f"{'':>8} phases (wall s): {timings}", flush=True)
        print(f"{'':>8} phases (cpu s):  {cpu}", flush=True)
        print(f"{'':>8} pairs sha256: {r['pairs_sha256']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
