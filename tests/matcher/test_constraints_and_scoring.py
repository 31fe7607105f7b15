import pytest

from matcher import VIOLATIONS, CompatibilityScorer, MatchConfig, check_pair, explain_pair, score_pair
from matcher.features import reasons_for

from .conftest import member

MENTOR = member("a", "KZ", roles=("mentor",), languages=("ru", "en"), years=12, skills=("leadership",))
MENTEE = member("b", "KG", languages=("ky", "ru"), years=3, goals=("leadership",))


def test_allowed_pair_has_no_violation():
    assert check_pair(MENTOR, MENTEE, MatchConfig()) == []


@pytest.mark.parametrize(
    "mentor, mentee, code",
    [
        (member("x", roles=("mentor", "mentee"), years=9), member("x", roles=("mentor", "mentee"), years=9), "same_person"),
        (member("a", "KZ", years=12), MENTEE, "not_mentor"),
        (MENTOR, member("b", "KG", roles=("mentor",), years=3), "not_mentee"),
        (MENTOR, member("b", "KZ", years=3), "same_country"),
        (MENTOR, member("b", "KG", languages=("ky",), years=3), "no_shared_language"),
        (MENTOR, member("b", "KG", years=11), "gap_too_small"),
        (member("a", "KZ", roles=("mentor",), years=12, exclude=("b",)), MENTEE, "excluded"),
        (MENTOR, member("b", "KG", years=3, exclude=("a",)), "excluded"),
    ],
)
def test_each_violation_code(mentor, mentee, code):
    assert code in check_pair(mentor, mentee, MatchConfig())
    assert code in VIOLATIONS


def test_gap_is_configurable():
    mentee = member("b", "KG", years=10)
    assert check_pair(MENTOR, mentee) == []
    assert check_pair(MENTOR, mentee, MatchConfig(min_gap=3)) == ["gap_too_small"]


def _scores(mentors, mentee, **config):
    scorer = CompatibilityScorer.from_config(MatchConfig(**config)).fit([*mentors, mentee])
    return scorer.score_pairs(list(range(len(mentors))), [len(mentors)] * len(mentors))


def test_covering_more_goals_scores_higher_all_else_equal():
    mentee = member("e", "KG", goals=("leadership", "negotiation", "cybercrime"), years=2)
    two = member("m1", "KZ", roles=("mentor",), skills=("leadership", "negotiation"), years=10)
    one = member("m2", "KZ", roles=("mentor",), skills=("leadership", "media_relations"), years=10)
    s_two, s_one = _scores([two, one], mentee)
    assert s_two > s_one


def test_goal_coverage_leads_the_score():
    mentee = member("e", "KG", goals=("leadership", "negotiation"), years=2, agency="customs")
    covering = member("m1", "KZ", roles=("mentor",), skills=("leadership", "negotiation"), years=4)
    kin = member("m2", "KZ", roles=("mentor",), skills=(), years=30, agency="customs", languages=("ru",))
    s_cov, s_kin = _scores([covering, kin], mentee)
    assert s_cov > s_kin


def test_rarer_skill_weighs_more():
    mentee = member("e", "KG", goals=("cybercrime", "leadership"), years=2)
    rare = member("m1", "KZ", roles=("mentor",), skills=("cybercrime",), years=10)
    common = member("m2", "KZ", roles=("mentor",), skills=("leadership",), years=10)
    others = [member(f"o{i}", "TJ", roles=("mentor",), skills=("leadership",), years=10) for i in range(5)]
    scores = _scores([rare, common, *others], mentee)
    assert scores[0] > scores[1]


@pytest.mark.parametrize(
    "bio_a, bio_b",
    [
        ("Руковожу сменой на пограничном пункте пропуска", "Работаю на пограничном пункте пропуска"),
        ("I lead a shift at a border crossing point", "Working at a border crossing point"),
    ],
)
def test_russian_and_english_bios_both_produce_similarity(bio_a, bio_b):
    a = member("a", "KZ", roles=("mentor",), years=10, bio=bio_a)
    b = member("b", "KG", years=1, bio=bio_b)
    c = member("c", "TJ", years=1, bio="cybercrime forensics analyst")
    scorer = CompatibilityScorer().fit([a, b, c])
    assert scorer.bio_similarity(0, 1) > 0.2
    assert scorer.bio_similarity(0, 1) > scorer.bio_similarity(0, 2)


def test_scores_are_in_unit_interval_and_scorer_follows_estimator_contract():
    scorer = CompatibilityScorer(w_bio=0.5)
    assert scorer.get_params()["w_bio"] == 0.5
    assert not [k for k in vars(scorer) if k.endswith("_")]
    assert scorer.fit([MENTOR, MENTEE]) is scorer
    assert 0.0 <= score_pair(MENTOR, MENTEE) <= 1.0


def test_reasons_content_and_order():
    mentor = member(
        "a",
        "KZ",
        roles=("mentor",),
        languages=("ru", "en", "kk"),
        years=15,
        skills=("leadership", "negotiation"),
        agency="customs",
        bio="Таможенный инспектор, документальный контроль",
    )
    mentee = member(
        "b",
        "UZ",
        languages=("uz", "en", "ru"),
        years=3,
        agency="customs",
        goals=("negotiation", "cybercrime", "leadership"),
        bio="Таможенный инспектор, контроль документов",
    )
    reasons = explain_pair(mentor, mentee, MatchConfig())
    assert reasons[:5] == (
        {"kind": "goal_covered", "slug": "negotiation"},
        {"kind": "goal_covered", "slug": "leadership"},
        {"kind": "shared_language", "code": "en"},
        {"kind": "shared_language", "code": "ru"},
        {"kind": "seniority_gap", "years": 12},
    )
    assert reasons[5] == {"kind": "cross_border", "mentor_country": "KZ", "mentee_country": "UZ"}
    assert reasons[6] == {"kind": "same_agency_kind", "agency": "customs"}
    assert reasons[7]["kind"] == "bio_overlap" and 0.1 <= reasons[7]["similarity"] <= 1


def test_bio_overlap_only_above_threshold():
    reasons = reasons_for(MENTOR, MENTEE, bio_similarity=0.05, config=MatchConfig())
    assert "bio_overlap" not in [r["kind"] for r in reasons]


def test_config_rejects_unknown_keys_and_bad_values(tmp_path):
    from matcher import ConfigError

    with pytest.raises(ConfigError, match="unknown configuration key 'w_goals'"):
        MatchConfig.from_mapping({"w_goals": 1})
    with pytest.raises(ConfigError, match="min_gap must be"):
        MatchConfig.from_mapping({"min_gap": -1})
    p = tmp_path / "w.toml"
    p.write_text("w_goal_coverage = 0.9\nseniority_cap = 10\n")
    cfg = MatchConfig.from_toml(p)
    assert (cfg.w_goal_coverage, cfg.seniority_cap) == (0.9, 10)
    assert MatchConfig.from_mapping(cfg.to_dict()) == cfg


def test_score_pair_and_explain_pair_equal_the_run_when_given_its_population():
    import json

    from matcher import explain_pair, match, parse_members, score_pair

    from .conftest import random_population

    rows = random_population(150, seed=4)
    for i, r in enumerate(rows):  # bios of their own, so the TF-IDF depends on everyone
        r["bio"] = f"{r['bio']} служба {i % 7} граница {i % 11} leadership {i % 5}"
    members = parse_members([json.dumps(r) for r in rows])
    by_id = {m.id: m for m in members}
    result = match(members)
    assert result.pairs
    for p in result.pairs[:15]:
        mentor, mentee = by_id[p.mentor], by_id[p.mentee]
        assert score_pair(mentor, mentee, population=members) == p.score
        assert explain_pair(mentor, mentee, population=members) == p.reasons


def test_solver_failure_is_a_solver_error_not_an_assertion():
    import numpy as np
    import pytest

    from matcher import SolverError
    from matcher.assign import solve_flow

    with pytest.raises(SolverError, match="did not solve"):
        # Two mentees must be matched but only one place exists.
        solve_flow(2, np.array([1]), np.array([0, 1]), np.array([0, 0]), np.array([-5, -3]), 2)
