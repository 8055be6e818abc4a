"""The privacy notice is generated from the personal-data inventory, in plain words."""

import pytest
from django.urls import reverse

from talklondon import personal_data

pytestmark = pytest.mark.django_db


def test_the_notice_lists_every_inventory_entry_for_its_audience(client):
    page = client.get(reverse("privacy")).content.decode()
    for audience in ("you", "staff", "everyone"):
        for item in personal_data.inventory():
            if item.audience == audience:
                # Rendered with its first letter capitalised, HTML-escaped.
                assert item.what[1:].replace("'", "&#x27;") in page, item.label
    assert "12 months after the last consultation you took part in closes" in page
    assert "Made unreadable by destroying your key" in page
    assert "a task carried out in the public interest" in page


def test_the_notice_follows_the_retention_settings(client, settings):
    settings.PERSONAL_DATA_RETENTION_MONTHS = 6
    settings.EMAIL_LOG_RETENTION_DAYS = 10
    page = client.get(reverse("privacy")).content.decode()
    assert "6 months after the last consultation you took part in closes" in page
    assert "10 days after delivery" in page
    assert "{" not in page.split("<main", 1)[1].split("</main>", 1)[0]
