"""The unmatched reasons of a run become sentences that say what is true and what would help."""

from matcher import RETIRED_UNMATCHED_REASONS, UNMATCHED_REASONS, match
from web.matches.reasons import unblock_hint, unmatched_reason

from .conftest import member


def _run():
    members = [
        member("m1", "KZ", roles=("mentor",), languages=("ru",), years=10, capacity=1),
        member("mfull", "KZ", roles=("mentor",), languages=("ru",), years=10, capacity=0),
        member("mtg", "UZ", roles=("mentor",), languages=("tg",), years=10, capacity=0),
        member("e1", "KG", languages=("ky",), years=1),
        member("e2", "KG", languages=("ru",), years=9),
        member("e3", "KG", languages=("ru",), years=1, exclude=("m1", "mfull")),
        member("e4", "TJ", languages=("ru",), years=1, goals=("leadership",)),
        member("e5", "TJ", languages=("ru",), years=2),
        member("e6", "KG", languages=("tg",), years=0),
    ]
    return {u["id"]: u for u in match(members).summary["unmatched"]}


def test_each_new_reason_reads_as_what_happened_and_what_would_unblock_her():
    by_id = _run()
    assert unmatched_reason(by_id["e1"]) == "No mentor in another country speaks Kyrgyz."
    assert "if she also works in Russian, 2 mentors would be compatible" in unblock_hint(by_id["e1"], 2)
    assert unmatched_reason(by_id["e2"]) == (
        "Mentors in another country speak Russian, but none has 11 years of service or more."
    )
    assert "the most senior such mentor has 10" in unblock_hint(by_id["e2"], 2)
    assert unmatched_reason(by_id["e3"]) == (
        "All 2 of her compatible mentors are excluded (declined, ended or forbidden before)."
    )
    assert unmatched_reason(by_id["e6"]) == "Her 1 compatible mentor has no free place."
    assert unblock_hint(by_id["e6"], 2).startswith("One more place for a mentor from Uzbekistan who speaks Tajik")
    left = by_id.get("e4") or by_id["e5"]
    assert unmatched_reason(left).startswith("1 compatible mentor had a place, but the best assignment gave it")
    assert unblock_hint(left, 2).startswith("One more place for a mentor from Kazakhstan who speaks Russian")


def test_every_code_old_or_new_has_a_sentence_and_a_hint():
    for code in UNMATCHED_REASONS + RETIRED_UNMATCHED_REASONS:
        entry = {"reason": code, "country": "TM", "languages": ["tk"], "years_of_service": 3}
        assert unmatched_reason(entry) not in ("", "No reason recorded.")
        assert unblock_hint(entry, 2) != "No hint for this reason."
