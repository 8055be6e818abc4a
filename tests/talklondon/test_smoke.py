import pytest
from django.urls import reverse


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["home", "privacy", "accessibility", "cookies", "house_rules", "contact"]
)
def test_public_pages_render_with_a_title(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert b"<title>" in response.content
    assert b"Talk London" in response.content
