"""Fixtures and builders for the matcher tests."""

from __future__ import annotations

import json

import numpy as np
import pytest

from matcher import Member

SLUGS = (
    "leadership gender_responsive_leadership inclusive_teams high_pressure_communication "
    "crisis_communication public_speaking negotiation decision_making_under_stress "
    "border_management document_security customs_control counter_trafficking "
    "counter_terrorism_pve cybercrime digital_forensics criminal_investigation "
    "community_policing domestic_violence_response victim_support anti_corruption "
    "human_rights international_cooperation training_instruction project_management "
    "police_english career_planning promotion_preparation work_life_balance "
    "mentoring_others research_analysis media_relations"
).split()


def member(
    id,
    country="KZ",
    *,
    roles=("mentee",),
    languages=("ru",),
    skills=(),
    goals=(),
    bio="",
    years=0,
    capacity=None,
    agency="police",
    exclude=(),
):
    """A Member with test-friendly defaults (mentors get capacity 1)."""
    if capacity is None:
        capacity = 1 if "mentor" in roles else 0
    return Member(
        id=id,
        country=country,
        agency=agency,
        roles=tuple(roles),
        languages=tuple(languages),
        skills=tuple(skills),
        goals=tuple(goals),
        bio=bio,
        years_of_service=years,
        capacity=capacity,
        exclude=tuple(exclude),
    )


def random_population(
    n, seed, *, countries=("KZ", "KG", "TJ", "UZ", "TM"), languages=("ru", "kk", "ky", "en"), p_mentor=0.35, p_exclude=0.02
):
    """A seeded random population (members as dicts of the input format)."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        r = rng.random()
        roles = ["mentor"] if r < p_mentor * 0.7 else (["mentor", "mentee"] if r < p_mentor else ["mentee"])
        langs = sorted(set(rng.choice(languages, size=rng.integers(1, 3), replace=True).tolist()))
        out.append(
            {
                "id": f"m{i:05d}",
                "country": str(rng.choice(countries)),
                "agency": str(rng.choice(["police", "customs", "border_service"])),
                "roles": roles,
                "languages": langs,
                "skills": sorted(set(rng.choice(SLUGS[:12], size=rng.integers(0, 4)).tolist())),
                "goals": sorted(set(rng.choice(SLUGS[:12], size=rng.integers(1, 4)).tolist())),
                "bio": str(
                    rng.choice(
                        [
                            "",
                            "пограничная служба, лидерство",
                            "border service leadership",
                            "cybercrime investigation",
                            "расследования киберпреступлений",
                        ]
                    )
                ),
                "years_of_service": int(rng.integers(0, 25)),
                "capacity": int(rng.integers(1, 4)) if "mentor" in roles else 0,
                "exclude": [],
            }
        )
    for i in range(n):
        if rng.random() < p_exclude:
            out[i]["exclude"] = [f"m{int(rng.integers(0, n)):05d}"]
    return out


@pytest.fixture
def write_jsonl(tmp_path):
    def write(rows, name="members.jsonl"):
        path = tmp_path / name
        path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
        return path

    return write
