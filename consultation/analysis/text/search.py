"""Search free text: PostgreSQL full-text search where available, a simple match elsewhere."""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Q, QuerySet

SEARCH_CONFIG = "english"


def text_search(queryset: QuerySet, *, fields: list[str], query: str) -> QuerySet:
    """`queryset` narrowed to rows whose `fields` match `query`, best matches first on PostgreSQL.

    PostgreSQL: English stemming and web-search syntax ("quoted phrases", -exclusions, or).
    SQLite (development and tests): every word must appear in one of the fields, any case.
    """
    query = (query or "").strip()
    if not query:
        return queryset
    if connection.vendor == "postgresql":
        vector = SearchVector(*fields, config=SEARCH_CONFIG)
        search = SearchQuery(query, config=SEARCH_CONFIG, search_type="websearch")
        # Filter with the match operator (@@): ts_rank is never exactly 0, even for no match.
        return (
            queryset.annotate(search_document=vector)
            .filter(search_document=search)
            .annotate(search_rank=SearchRank(vector, search))
            .order_by("-search_rank", "pk")
        )
    condition = Q()
    for word in query.replace('"', " ").split():
        if word.startswith("-") or word.lower() == "or":
            continue
        any_field = Q()
        for field in fields:
            any_field |= Q(**{f"{field}__icontains": word})
        condition &= any_field
    return queryset.filter(condition).order_by("pk")
