import pytest


@pytest.mark.django_db
def test_unknown_api_url_answers_with_json_problem_details(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {"type": "about:blank", "title": "Not found", "status": 404}


@pytest.mark.django_db
def test_unknown_page_outside_the_api_is_the_html_404_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
