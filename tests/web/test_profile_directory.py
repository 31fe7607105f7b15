from __future__ import annotations

from tests.factories import make_member, make_mentor
from web.models import Member, MemberStatus


def test_profile_edit_saves_every_field(client, auth, db):
    member = make_member(db, email="a@example.org")
    auth.login("a@example.org")
    response = auth.post(
        "/profile/edit",
        {
            "display_name": "Dilnoza K.",
            "country": "UZ",
            "agency_kind": "customs",
            "agency_name": "State Customs Committee",
            "rank": "Major",
            "years_of_service": "12",
            "languages": ["ru", "uz", "en"],
            "role": "both",
            "capacity": "2",
            "skills": ["customs_control", "negotiation"],
            "goals": ["leadership"],
            "goals_text": "Lead a regional team",
            "bio": "Customs officer in Tashkent.",
            "locale": "en",
            "show_agency_name": "y",
            "show_email": "y",
            "email_notifications": "digest",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    member = db.session.get(Member, member.id)
    assert (member.display_name, member.country, member.agency_kind, member.years_of_service) == (
        "Dilnoza K.",
        "UZ",
        "customs",
        12,
    )
    assert member.language_codes == ["en", "ru", "uz"]
    assert member.is_mentor and member.is_mentee and member.capacity == 2
    assert member.skills == ["customs_control", "negotiation"]
    assert member.show_email and not member.show_rank and not member.show_bio
    assert member.email_notifications == "digest"


def test_rejected_profile_edit_keeps_input_and_says_why(client, auth, db):
    make_member(db, email="a@example.org")
    auth.login("a@example.org")
    response = auth.post(
        "/profile/edit",
        {
            "display_name": "Dilnoza K.",
            "country": "XX",
            "agency_kind": "customs",
            "agency_name": "State Customs Committee",
            "years_of_service": "-3",
            "languages": ["ru"],
            "role": "mentor",
            "capacity": "1",
            "skills": [],
            "bio": "My new bio that must survive",
            "locale": "en",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose your country from the list." in html
    assert "Enter a number from 0 to 50." in html
    assert "As a mentor, choose at least one skill you can share." in html
    assert "My new bio that must survive" in html


def test_pending_member_sees_and_edits_her_own_profile(client, auth, db):
    make_member(db, email="p@example.org", status=MemberStatus.PENDING, display_name="Zarina")
    auth.login("p@example.org")
    assert client.get("/").headers["Location"].endswith("/pending")
    me = client.get("/profile/")
    assert me.status_code == 200 and "Zarina" in me.get_data(as_text=True)
    assert client.get("/profile/edit").status_code == 200
    assert client.get("/directory/").headers["Location"].endswith("/pending")


def test_directory_shows_active_members_only(client, auth, db):
    make_member(db, email="me@example.org", country="KG", display_name="Aizhan")
    make_member(db, display_name="Aigerim Active", country="KZ")
    make_member(db, display_name="Pending Person", status=MemberStatus.PENDING)
    make_member(db, display_name="Suspended Person", status=MemberStatus.SUSPENDED)
    auth.login("me@example.org")
    html = client.get("/directory/").get_data(as_text=True)
    assert "Aigerim Active" in html
    assert "Pending Person" not in html and "Suspended Person" not in html


def test_directory_filters(client, auth, db):
    make_member(db, email="me@example.org", country="KG", display_name="Aizhan")
    make_member(
        db,
        display_name="Kazakh Border Officer",
        country="KZ",
        agency_kind="border_service",
        languages=("ru", "kk"),
        skills=("border_management",),
    )
    make_member(
        db,
        display_name="Uzbek Customs Officer",
        country="UZ",
        agency_kind="customs",
        languages=("uz", "en"),
        skills=("customs_control",),
    )
    make_mentor(db, display_name="Tajik Mentor", country="TJ", capacity=1)
    auth.login("me@example.org")

    def names(query):
        html = client.get("/directory/?" + query).get_data(as_text=True)
        return {n for n in ("Kazakh Border Officer", "Uzbek Customs Officer", "Tajik Mentor", "Aizhan") if n in html}

    assert names("country=KZ") == {"Kazakh Border Officer"}
    assert names("agency_kind=customs") == {"Uzbek Customs Officer"}
    assert names("language=kk") == {"Kazakh Border Officer"}
    assert names("skill=customs_control") == {"Uzbek Customs Officer"}
    assert names("role=mentor") == {"Tajik Mentor"}
    assert names("q=border") == {"Kazakh Border Officer"}
    assert names("q=%25") == set()  # a LIKE wildcard is searched literally


def test_directory_text_search_covers_bios_only_when_shown(client, auth, db):
    make_member(db, email="me@example.org")
    make_member(db, display_name="Open Bio", bio="Specialist in canine units", show_bio=True)
    make_member(db, display_name="Hidden Bio", bio="Specialist in canine units", show_bio=False)
    auth.login("me@example.org")
    html = client.get("/directory/?q=canine").get_data(as_text=True)
    assert "Open Bio" in html and "Hidden Bio" not in html


def test_directory_is_paginated(app, client, auth, db):
    make_member(db, email="me@example.org", display_name="AAA Me")
    for i in range(app.config["DIRECTORY_PAGE_SIZE"] + 5):
        make_member(db, display_name=f"Colleague {i:02d}", commit=False)
    db.session.commit()
    auth.login("me@example.org")
    first = client.get("/directory/").get_data(as_text=True)
    second = client.get("/directory/?page=2").get_data(as_text=True)
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert "Colleague 24" in second and "Colleague 24" not in first


def test_privacy_settings_hide_fields_from_other_members(client, auth, db):
    make_member(db, email="me@example.org")
    other = make_member(
        db,
        display_name="Private Person",
        agency_name="Secret Unit 7",
        rank="Colonel",
        bio="Hidden biography",
        email="private@example.org",
        show_agency_name=False,
        show_rank=False,
        show_bio=False,
        show_email=False,
        skills=("digital_forensics",),
        country="TM",
    )
    auth.login("me@example.org")
    html = client.get(f"/profile/{other.id}").get_data(as_text=True)
    assert "Private Person" in html and "Turkmenistan" in html and "Digital forensics" in html
    for secret in ("Secret Unit 7", "Colonel", "Hidden biography", "private@example.org"):
        assert secret not in html
    listing = client.get("/directory/").get_data(as_text=True)
    for secret in ("Secret Unit 7", "Colonel", "Hidden biography", "private@example.org"):
        assert secret not in listing


def test_shown_fields_are_visible(client, auth, db):
    make_member(db, email="me@example.org")
    other = make_member(
        db, display_name="Open Person", agency_name="Border Post 12", email="open@example.org", show_email=True
    )
    auth.login("me@example.org")
    html = client.get(f"/profile/{other.id}").get_data(as_text=True)
    assert "Border Post 12" in html and "open@example.org" in html


def test_profiles_of_pending_members_are_not_found(client, auth, db):
    make_member(db, email="me@example.org")
    pending = make_member(db, status=MemberStatus.PENDING)
    auth.login("me@example.org")
    assert client.get(f"/profile/{pending.id}").status_code == 404


def test_changing_email_needs_the_current_password_and_a_free_address(client, auth, db):
    member = make_member(db, email="a@example.org")
    make_member(db, email="taken@example.org")
    auth.login("a@example.org")
    form = {
        "display_name": "A",
        "country": "KZ",
        "agency_kind": "police",
        "agency_name": "MIA",
        "years_of_service": "3",
        "languages": ["ru"],
        "role": "mentee",
        "goals": ["leadership"],
        "locale": "en",
        "email_notifications": "immediately",
    }
    refused = auth.post("/profile/edit", {**form, "email": "Taken@example.org", "current_password": "wrong password here"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "An account with this email already exists." in html
    assert "Enter your current password to change your email." in html
    from tests.factories import PASSWORD

    ok = auth.post("/profile/edit", {**form, "email": "New@Example.org", "current_password": PASSWORD})
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(Member, member.id).email == "new@example.org"
