from tests.factories import make_member


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": True}


def test_member_signs_in_and_sees_directory(client, auth, db):
    make_member(db, email="aigerim@example.org", display_name="Aigerim")
    response = auth.login("aigerim@example.org")
    assert response.status_code == 302
    page = client.get("/directory/")
    assert page.status_code == 200
    assert "Aigerim" in page.get_data(as_text=True)
