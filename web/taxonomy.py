"""The one place for coded vocabularies: topics (skills and goals), countries,
agency kinds, languages. Stored data holds only the codes; labels are
translated at display time through Flask-Babel."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# Skills a member can offer and goals she wants to work on share one list of topics.
TOPICS: dict[str, object] = {
    "leadership": _l("Leadership and management"),
    "gender_responsive_leadership": _l("Gender-responsive leadership"),
    "inclusive_teams": _l("Leading inclusive teams"),
    "high_pressure_communication": _l("Communication in high-pressure situations"),
    "crisis_communication": _l("Crisis communication"),
    "public_speaking": _l("Public speaking"),
    "negotiation": _l("Negotiation"),
    "decision_making_under_stress": _l("Decision-making under stress"),
    "border_management": _l("Border management"),
    "document_security": _l("Border checks and document security"),
    "customs_control": _l("Customs control"),
    "counter_trafficking": _l("Counter-trafficking (people, drugs, arms)"),
    "counter_terrorism_pve": _l("Counter-terrorism and preventing violent extremism"),
    "cybercrime": _l("Cybercrime investigation"),
    "digital_forensics": _l("Digital forensics"),
    "criminal_investigation": _l("Criminal investigation"),
    "community_policing": _l("Community policing"),
    "domestic_violence_response": _l("Domestic-violence response"),
    "victim_support": _l("Victim support"),
    "anti_corruption": _l("Anti-corruption and integrity"),
    "human_rights": _l("Human rights in policing"),
    "international_cooperation": _l("International co-operation and mutual legal assistance"),
    "training_instruction": _l("Training and instruction"),
    "project_management": _l("Project management"),
    "police_english": _l("English for police work"),
    "career_planning": _l("Career planning"),
    "promotion_preparation": _l("Promotion preparation"),
    "work_life_balance": _l("Work-life balance"),
    "mentoring_others": _l("Mentoring others"),
    "research_analysis": _l("Research and analysis"),
    "media_relations": _l("Media relations"),
}

# The topics in groups, for forms that list them all (each topic in exactly one group).
TOPIC_GROUPS: tuple[tuple[object, tuple[str, ...]], ...] = (
    (
        _l("Leadership and teams"),
        (
            "leadership",
            "gender_responsive_leadership",
            "inclusive_teams",
            "decision_making_under_stress",
            "mentoring_others",
            "project_management",
            "training_instruction",
        ),
    ),
    (
        _l("Communication"),
        (
            "high_pressure_communication",
            "crisis_communication",
            "public_speaking",
            "negotiation",
            "media_relations",
            "police_english",
        ),
    ),
    (
        _l("Borders, customs and co-operation"),
        ("border_management", "document_security", "customs_control", "counter_trafficking", "international_cooperation"),
    ),
    (
        _l("Investigation and integrity"),
        (
            "criminal_investigation",
            "cybercrime",
            "digital_forensics",
            "counter_terrorism_pve",
            "anti_corruption",
            "research_analysis",
        ),
    ),
    (
        _l("Communities, victims and rights"),
        ("community_policing", "domestic_violence_response", "victim_support", "human_rights"),
    ),
    (_l("Career"), ("career_planning", "promotion_preparation", "work_life_balance")),
)

# The five Central Asian states first, then guests from OSCE participating
# States and partners nearby.
REGION = ("KZ", "KG", "TJ", "TM", "UZ")
COUNTRIES: dict[str, object] = {
    "KZ": _l("Kazakhstan"),
    "KG": _l("Kyrgyzstan"),
    "TJ": _l("Tajikistan"),
    "TM": _l("Turkmenistan"),
    "UZ": _l("Uzbekistan"),
    "MN": _l("Mongolia"),
    "AF": _l("Afghanistan"),
    "AZ": _l("Azerbaijan"),
    "GE": _l("Georgia"),
    "AM": _l("Armenia"),
    "RU": _l("Russian Federation"),
    "TR": _l("Türkiye"),
    "DE": _l("Germany"),
    "AT": _l("Austria"),
    "OTHER": _l("Other OSCE participating State"),
}

AGENCY_KINDS: dict[str, object] = {
    "police": _l("Police / Ministry of Internal Affairs"),
    "border_service": _l("Border service"),
    "customs": _l("Customs"),
    "prosecutor": _l("Prosecutor's office"),
    "police_academy": _l("Police academy"),
    "drug_control": _l("Drug control agency"),
    "emergency": _l("Emergency services"),
    "ministry": _l("National commission or ministry"),
    "women_police_association": _l("Women police association"),
    "other": _l("Other"),
}

LANGUAGES: dict[str, object] = {
    "ru": _l("Russian"),
    "kk": _l("Kazakh"),
    "ky": _l("Kyrgyz"),
    "tg": _l("Tajik"),
    "tk": _l("Turkmen"),
    "uz": _l("Uzbek"),
    "en": _l("English"),
    "mn": _l("Mongolian"),
    "ps": _l("Pashto"),
    "fa": _l("Dari / Persian"),
    "tr": _l("Turkish"),
    "de": _l("German"),
}

# Interface languages: shown in their own name, never translated.
# Plain strings on purpose: Babel extracts only _() and _l(), so these never reach a catalogue.
UI_LANGUAGES: dict[str, str] = {
    "kk": "Қазақша",
    "ky": "Кыргызча",
    "tg": "Тоҷикӣ",
    "tk": "Türkmençe",
    "uz": "Oʻzbekcha",
    "uz_Cyrl": "Ўзбекча",
    "ru": "Русский",
    "en": "English",
}

ROLES: dict[str, object] = {
    "mentee": _l("Mentee: I would like a mentor"),
    "mentor": _l("Mentor: I can guide a colleague"),
    "both": _l("Both"),
}


def label(vocabulary: dict, code: str | None) -> str:
    """The translated label of a code, or the code itself when unknown."""
    if code is None:
        return ""
    value = vocabulary.get(code)
    return str(value) if value is not None else code


def choices(vocabulary: dict) -> list[tuple[str, object]]:
    return list(vocabulary.items())
