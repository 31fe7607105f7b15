"""Realistic fictional demo members from the five Central Asian states. Fictional names only."""

from __future__ import annotations

import random
import secrets

from .auth.passwords import hash_password
from .extensions import db
from .models import Member, MemberLanguage, MemberStatus, MemberTopic, utcnow
from .taxonomy import TOPICS

FIRST = {
    "KZ": ["Aigerim", "Dana", "Madina", "Saule", "Gulnara", "Asel", "Zhanna", "Aruzhan", "Kamila"],
    "KG": ["Aizhan", "Nurgul", "Cholpon", "Elnura", "Aida", "Begimai", "Meerim", "Gulzat"],
    "TJ": ["Firuza", "Nigina", "Mehrona", "Zarina", "Dilnoza", "Manizha", "Parvina", "Sitora"],
    "TM": ["Ayna", "Maral", "Ogulgerek", "Jeren", "Leyli", "Bahar", "Gozel", "Selbi"],
    "UZ": ["Nodira", "Malika", "Gulnoza", "Shahnoza", "Feruza", "Dilfuza", "Kamola", "Yulduz"],
}
LAST = {
    "KZ": ["Seitkali", "Nurlanova", "Abenova", "Tulegenova", "Zhaksybek", "Omarova"],
    "KG": ["Asanova", "Toktosunova", "Imanalieva", "Bekturova", "Sydykova", "Osmonova"],
    "TJ": ["Rahimova", "Karimova", "Nazarova", "Safarova", "Sharipova", "Davlatova"],
    "TM": ["Atayeva", "Orazova", "Berdiyeva", "Hojayeva", "Annayeva", "Gurbanova"],
    "UZ": ["Yusupova", "Tashkentova", "Alimova", "Rakhimova", "Ergasheva", "Saidova"],
}
NATIONAL_LANGUAGE = {"KZ": "kk", "KG": "ky", "TJ": "tg", "TM": "tk", "UZ": "uz"}
COUNTRY_WEIGHTS = {"KZ": 0.3, "KG": 0.22, "TJ": 0.18, "TM": 0.08, "UZ": 0.22}
AGENCIES = {
    "police": ["Ministry of Internal Affairs", "City Police Department", "Patrol Police Service"],
    "border_service": ["Border Service", "Border Troops Command", "Border Guard Detachment"],
    "customs": ["State Customs Committee", "Customs Service", "Customs Post"],
    "prosecutor": ["Prosecutor General's Office", "Regional Prosecutor's Office"],
    "police_academy": ["Academy of the Ministry of Internal Affairs", "Police Training Centre"],
    "drug_control": ["Drug Control Agency"],
    "emergency": ["Ministry of Emergency Situations"],
    "women_police_association": ["Association of Women in Law Enforcement"],
}
RANKS = [
    "Lieutenant",
    "Senior Lieutenant",
    "Captain",
    "Major",
    "Lieutenant Colonel",
    "Colonel",
    "Inspector",
    "Senior Inspector",
    "Specialist",
]
BIOS_RU = [
    "Работаю в службе более {y} лет, занимаюсь {topic}. Хочу делиться опытом с коллегами из региона.",
    "Руковожу небольшой командой. Интересуюсь вопросами {topic} и международного сотрудничества.",
    "Инструктор, провожу тренинги для молодых сотрудников. Опыт в сфере {topic}.",
    "Начинаю карьеру, хочу развиваться в направлении {topic} и учиться у опытных коллег.",
]
BIOS_EN = [
    "Officer with {y} years of service, working on {topic}. Keen to learn from colleagues across borders.",
    "I lead a shift team and care about {topic}. Happy to mentor younger colleagues.",
    "Trainer at our academy; my focus is {topic} and practical tools for daily work.",
]
TOPIC_WORDS_RU = [
    "пограничного контроля",
    "противодействия торговле людьми",
    "кризисных коммуникаций",
    "лидерства",
    "расследований",
    "поддержки пострадавших",
    "киберпреступности",
]
TOPIC_WORDS_EN = [
    "border management",
    "counter-trafficking",
    "crisis communication",
    "leadership",
    "criminal investigation",
    "victim support",
    "cybercrime",
]

COORDINATOR_EMAIL = "coordinator@bridges.example"


def seed(members: int = 60, seed_value: int = 2023) -> tuple[str, str]:
    """Add demo members and a coordinator to an empty database. Returns the coordinator's login."""
    if db.session.scalar(db.select(Member.id).limit(1)) is not None:
        raise RuntimeError("The database already has members; demo data goes only into an empty one.")
    rng = random.Random(seed_value)
    password = "demo-" + secrets.token_urlsafe(9)
    # One hash for every demo member keeps seeding fast; each has her own in real life.
    demo_hash = hash_password(password)
    coordinator = Member(
        email=COORDINATOR_EMAIL,
        password_hash=demo_hash,
        display_name="Demo Coordinator (OSCE)",
        country="KZ",
        agency_kind="other",
        agency_name="OSCE Programme Office in Astana",
        years_of_service=15,
        is_mentee=False,
        is_mentor=False,
        capacity=0,
        status=MemberStatus.ACTIVE,
        is_coordinator=True,
        consent_at=utcnow(),
        locale="ru",
    )
    coordinator.languages = [MemberLanguage(code=c) for c in ("en", "kk", "ru")]
    db.session.add(coordinator)
    topics = list(TOPICS)
    popular = topics[:10]
    countries = list(COUNTRY_WEIGHTS)
    for i in range(members):
        country = rng.choices(countries, weights=list(COUNTRY_WEIGHTS.values()))[0]
        years = min(30, int(rng.expovariate(1 / 9)))
        mentor = years >= 6 and rng.random() < 0.55
        mentee = not mentor or rng.random() < 0.25
        kind = rng.choices(list(AGENCIES), weights=[35, 20, 12, 8, 8, 5, 4, 3])[0]
        langs = {"ru", NATIONAL_LANGUAGE[country]}
        if rng.random() < 0.3:
            langs.add("en")
        if rng.random() < 0.15:
            langs.discard("ru")
        name = f"{rng.choice(FIRST[country])} {rng.choice(LAST[country])}"
        topic_ru, topic_en = rng.choice(list(zip(TOPIC_WORDS_RU, TOPIC_WORDS_EN, strict=True)))
        bio = (
            rng.choice(BIOS_RU).format(y=years, topic=topic_ru)
            if rng.random() < 0.65
            else rng.choice(BIOS_EN).format(y=years, topic=topic_en)
        )
        member = Member(
            email=f"member{i + 1}@bridges.example",
            password_hash=demo_hash,
            display_name=name,
            country=country,
            agency_kind=kind,
            agency_name=rng.choice(AGENCIES[kind]),
            rank=rng.choice(RANKS) if rng.random() < 0.8 else "",
            years_of_service=years,
            is_mentor=mentor,
            is_mentee=mentee,
            capacity=rng.randint(1, 3) if mentor else 0,
            bio=bio,
            locale=rng.choice(["ru", "ru", "en"]),
            consent_at=utcnow(),
            status=MemberStatus.ACTIVE if rng.random() < 0.9 else MemberStatus.PENDING,
            show_email=rng.random() < 0.3,
            show_rank=rng.random() < 0.8,
        )
        member.languages = [MemberLanguage(code=c) for c in sorted(langs)]
        skills = (
            set(rng.sample(popular, 2) + rng.sample(topics, rng.randint(1, 3)))
            if mentor
            else set(rng.sample(topics, rng.randint(1, 2)))
        )
        goals = set(rng.sample(popular, 1) + rng.sample(topics, rng.randint(1, 3))) if mentee else set()
        member.topics = [MemberTopic(kind="skill", slug=s) for s in sorted(skills)] + [
            MemberTopic(kind="goal", slug=g) for g in sorted(goals)
        ]
        db.session.add(member)
    db.session.flush()
    return COORDINATOR_EMAIL, password
