"""Seeded synthetic populations for the matcher benchmark and tests.

:func:`realistic` looks like the network: every member writes her own bio of
300-800 characters (about 85 % in Russian, the rest in English), the topics of
``web.taxonomy`` with a skewed popularity, mentees with 1-5 goals, mentors with
2-8 skills, Russian for about 85 %, a national language for most, English for
about 30 %, some guests from neighbouring countries, about 2 % with an
exclusion list and about 10 % both mentor and mentee.

:func:`templated` is the earlier benchmark's population (few bio templates, so
many members share a bio), kept as a second case.

Both return input-file dicts (``MATCHER-FORMAT.md``); :func:`write_jsonl`
writes them without holding the whole file in memory.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from web.taxonomy import AGENCY_KINDS, TOPICS  # noqa: E402  (bench and tests may import the taxonomy)

TOPIC_SLUGS = tuple(TOPICS)
AGENCIES = tuple(AGENCY_KINDS)
AGENCY_P = np.array([30, 15, 10, 8, 6, 5, 5, 6, 10, 5], dtype=float)[: len(AGENCIES)]
HOME = {"KZ": ("kk", 0.30), "UZ": ("uz", 0.30), "KG": ("ky", 0.17), "TJ": ("tg", 0.15), "TM": ("tk", 0.06)}
GUESTS = {"MN": ("mn", 0.008), "AF": ("fa", 0.006), "AZ": ("tr", 0.003), "RU": ("ru", 0.003)}

# Word material for the bios: each bio draws its own sentences, so no two are alike.
_RU = {
    "opening": [
        "Работаю в {agency} уже {years} лет.",
        "Служу в {agency}, стаж {years} лет.",
        "Начинала инспектором, сейчас в {agency}.",
        "Более {years} лет в системе {agency}.",
        "Пришла в {agency} после университета.",
    ],
    "agency": [
        "пограничной службе",
        "органах внутренних дел",
        "таможне",
        "прокуратуре",
        "академии МВД",
        "агентстве по контролю за наркотиками",
        "службе спасения",
        "министерстве",
    ],
    "work": [
        "Руковожу сменой на пункте пропуска",
        "Веду дела о торговле людьми",
        "Занимаюсь профилактикой домашнего насилия",
        "Преподаю курсантам основы расследования",
        "Анализирую данные о киберпреступлениях",
        "Отвечаю за документальный контроль",
        "Координирую международные запросы",
        "Работаю с пострадавшими и их семьями",
        "Готовлю отчёты и аналитические справки",
        "Организую обучение новых сотрудников",
        "Участвую в совместных операциях с соседями",
        "Выступаю перед журналистами и населением",
    ],
    "detail": [
        "в {city}",
        "вместе с командой из {n} человек",
        "на границе с соседней страной",
        "в отделе по работе с молодёжью",
        "в региональном управлении",
        "по линии международного сотрудничества",
        "уже {n} лет подряд",
    ],
    "wish": [
        "Хочу научиться {goal}.",
        "Мне важно развить навыки: {goal}.",
        "Ищу наставницу, которая поможет с темой «{goal}».",
        "Мечтаю возглавить подразделение и лучше понимать {goal}.",
        "Интересуюсь темой «{goal}» и опытом коллег из других стран.",
    ],
    "offer": [
        "Могу поделиться опытом: {skill}.",
        "Готова помочь коллегам с темой «{skill}».",
        "Много лет занимаюсь направлением «{skill}».",
    ],
    "personal": [
        "Воспитываю двоих детей и совмещаю службу с учёбой.",
        "Люблю горы, читаю по вечерам.",
        "Учу английский язык.",
        "Занимаюсь спортом и бегаю по утрам.",
        "Участвовала в конференции ОБСЕ.",
        "Окончила магистратуру по праву.",
        "Верю, что женщины в полиции меняют службу к лучшему.",
        "Хочу, чтобы больше девушек приходили на службу.",
    ],
    "cities": ["Алматы", "Ташкенте", "Бишкеке", "Душанбе", "Ашхабаде", "Оше", "Самарканде", "Караганде", "Худжанде"],
    "topics": {
        "leadership": "лидерство",
        "public_speaking": "публичные выступления",
        "negotiation": "переговоры",
        "cybercrime": "расследование киберпреступлений",
        "border_management": "управление границей",
        "project_management": "управление проектами",
    },
}
_EN = {
    "opening": [
        "I have served in the {agency} for {years} years.",
        "Officer of the {agency} with {years} years of service.",
        "I joined the {agency} after university.",
    ],
    "agency": ["border service", "police", "customs", "prosecutor's office", "police academy", "drug control agency"],
    "work": [
        "I lead a shift at a border crossing point",
        "I investigate human trafficking cases",
        "I work on domestic violence prevention",
        "I teach investigation basics to cadets",
        "I analyse cybercrime reports",
        "I am responsible for document checks",
        "I coordinate international requests",
        "I support victims and their families",
        "I train new staff",
    ],
    "detail": [
        "in {city}",
        "with a team of {n}",
        "at the regional office",
        "for {n} years now",
        "with neighbouring countries",
    ],
    "wish": [
        "I would like to learn {goal}.",
        "I am looking for a mentor in {goal}.",
        "I want to grow in {goal} and learn from colleagues abroad.",
    ],
    "offer": ["I can share my experience in {skill}.", "Happy to help colleagues with {skill}."],
    "personal": [
        "Mother of two, studying for a master's degree.",
        "I love the mountains and reading.",
        "I run every morning.",
        "I took part in an OSCE conference.",
        "I believe women make policing better.",
    ],
    "cities": ["Almaty", "Tashkent", "Bishkek", "Dushanbe", "Ashgabat", "Osh", "Samarkand", "Khujand"],
    "topics": {},
}


def _phrase(rng, words: dict, goals, skills) -> str:
    def pick(key):
        items = words[key]
        return items[int(rng.integers(len(items)))]

    def topic(slugs):
        slug = slugs[int(rng.integers(len(slugs)))] if len(slugs) else TOPIC_SLUGS[int(rng.integers(len(TOPIC_SLUGS)))]
        return words["topics"].get(slug, slug.replace("_", " "))

    kind = rng.choice(["work", "wish", "offer", "personal"], p=[0.4, 0.25, 0.15, 0.2])
    fill = {
        "city": pick("cities"),
        "n": int(rng.integers(2, 40)),
        "goal": topic(goals),
        "skill": topic(skills),
    }
    if kind == "work":
        return f"{pick('work')} {pick('detail').format(**fill)}."
    return pick(kind).format(**fill)


def _bio(rng, russian: bool, years: int, goals, skills) -> str:
    words = _RU if russian else _EN
    target = int(rng.integers(300, 801))
    agency = words["agency"][int(rng.integers(len(words["agency"])))]
    parts = [words["opening"][int(rng.integers(len(words["opening"])))].format(agency=agency, years=years)]
    length = len(parts[0])
    while length < target:
        p = _phrase(rng, words, goals, skills)
        parts.append(p)
        length += len(p) + 1
    text = " ".join(parts)
    if len(text) > 800:
        text = text[:800].rsplit(" ", 1)[0]
    return text


def realistic(n: int, seed: int = 7) -> list[dict]:
    """A population of ``n`` members that looks like the network (see the module docstring)."""
    rng = np.random.default_rng(seed)
    places = {**HOME, **GUESTS}
    codes = list(places)
    p_country = np.array([places[c][1] for c in codes])
    p_country /= p_country.sum()
    popularity = 1.0 / np.arange(1, len(TOPIC_SLUGS) + 1) ** 0.9  # a few topics are asked for by many
    topic_order = rng.permutation(len(TOPIC_SLUGS))
    p_topic = np.empty(len(TOPIC_SLUGS))
    p_topic[topic_order] = popularity / popularity.sum()
    # Mentors offer the popular topics less often than mentees ask for them.
    p_skill = np.sqrt(p_topic) / np.sqrt(p_topic).sum()
    members = []
    for i in range(n):
        country = codes[int(rng.choice(len(codes), p=p_country))]
        home = country in HOME
        langs = []
        if rng.random() < (0.88 if home else 0.55):
            langs.append("ru")
        if rng.random() < (0.8 if home else 0.9) and places[country][0] not in langs:
            langs.append(places[country][0])
        if rng.random() < 0.3 or not langs:
            langs.append("en")
        r = rng.random()
        roles = ["mentor"] if r < 0.25 else (["mentor", "mentee"] if r < 0.35 else ["mentee"])
        years = int(min(35, rng.gamma(2.2, 3.5)))
        if roles == ["mentor"]:
            years = int(min(40, years + rng.integers(4, 15)))
        elif "mentor" in roles:
            years = int(min(40, years + rng.integers(2, 8)))
        goals = (
            [TOPIC_SLUGS[k] for k in rng.choice(len(TOPIC_SLUGS), size=int(rng.integers(1, 6)), replace=False, p=p_topic)]
            if "mentee" in roles
            else []
        )
        skills = (
            sorted(
                TOPIC_SLUGS[k] for k in rng.choice(len(TOPIC_SLUGS), size=int(rng.integers(2, 9)), replace=False, p=p_skill)
            )
            if "mentor" in roles
            else []
        )
        members.append(
            {
                "id": f"u{i:06d}",
                "country": country,
                "agency": AGENCIES[int(rng.choice(len(AGENCIES), p=AGENCY_P / AGENCY_P.sum()))],
                "roles": roles,
                "languages": langs,
                "skills": skills,
                "goals": goals,
                "bio": _bio(rng, rng.random() < 0.85, years, goals, skills),
                "years_of_service": years,
                "capacity": int(rng.choice([1, 2, 3], p=[0.5, 0.35, 0.15])) if "mentor" in roles else 0,
                "exclude": [],
            }
        )
    for i in rng.choice(n, size=max(1, n // 50), replace=False):  # about 2 % declined someone
        others = [int(j) for j in rng.choice(n, size=int(rng.integers(1, 4)), replace=False) if j != i]
        members[int(i)]["exclude"] = [f"u{j:06d}" for j in others]
    return members


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


def templated(n: int, seed: int = 7) -> list[dict]:
    """The earlier benchmark's population: bios from a few templates, 1-5 skills, 1-4 goals."""
    rng = np.random.default_rng(seed)
    places = {**HOME, "MN": ("mn", 0.01), "AF": ("fa", 0.005), "DE": ("de", 0.005)}
    codes = list(places)
    p_country = np.array([places[c][1] for c in codes])
    p_country /= p_country.sum()
    popularity = 1.0 / np.arange(1, len(TOPIC_SLUGS) + 1) ** 0.8
    p_slug = popularity / popularity.sum()
    members = []
    for i in range(n):
        country = codes[rng.choice(len(codes), p=p_country)]
        langs = []
        if country in HOME or rng.random() < 0.5:
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
        skills = rng.choice(len(TOPIC_SLUGS), size=rng.integers(1, 6), replace=False, p=p_slug)
        goals = rng.choice(len(TOPIC_SLUGS), size=rng.integers(1, 5), replace=False, p=p_slug)
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
                "skills": [TOPIC_SLUGS[k] for k in sorted(skills)],
                "goals": [TOPIC_SLUGS[k] for k in goals],
                "bio": bio,
                "years_of_service": years,
                "capacity": int(rng.integers(1, 4)) if "mentor" in roles else 0,
                "exclude": [],
            }
        )
    for i in rng.choice(n, size=max(1, n // 200), replace=False):
        members[i]["exclude"] = [f"u{int(j):06d}" for j in rng.choice(n, size=2, replace=False) if j != i]
    return members


CASES = {"realistic": realistic, "templated": templated}


def write_jsonl(path, members) -> None:
    """Write members as JSON Lines (UTF-8, Cyrillic kept as is)."""
    with open(path, "w", encoding="utf-8") as fh:
        for m in members:
            fh.write(json.dumps(m, ensure_ascii=False) + "\n")
