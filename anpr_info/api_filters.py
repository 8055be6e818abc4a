"""Query parameters of the open data API: declared once, validated before any read, normalised
into the cache key.

Every view names the parameters it reads; anything else, a parameter given twice, or a value
outside its closed set or pattern is a 400 problem. The cache key of a response is built from
the cleaned values only, so made-up query strings can neither reach the database nor fill the
cache.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import django_filters
from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.utils.http import urlencode
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from anpr_info import registry
from anpr_info.models import Observation
from talklondon.converters import PERIOD, ReleaseSlugConverter

PAGE_SIZE = 1000
PERIOD_VALUE = RegexValidator(
    rf"^{PERIOD}\Z", "A period such as 2025, 2025-Q1 or 2025-03 (ASCII digits)."
)
RELEASE_VALUE = RegexValidator(rf"^{ReleaseSlugConverter.regex}\Z", "A release such as 2025-03-v1.")
PAGE_VALUE = RegexValidator(r"^[1-9][0-9]{0,5}\Z", "A whole number, 1 or more.")


def _choices(codes) -> list[tuple[str, str]]:
    return [(code, code) for code in codes]


def _table_codes() -> list[str]:
    return sorted({t.code for m in registry.MEASURES.values() for t in m.tables})


@dataclass(frozen=True)
class QueryParameter:
    """One filter of /api/v1/observations/: a closed set of codes, or a pattern."""

    name: str
    label: str
    description: str  # for the OpenAPI schema
    choices: tuple[str, ...] = ()
    validator: RegexValidator | None = None
    field_name: str = ""

    def as_filter(self) -> django_filters.Filter:
        if self.choices:
            return django_filters.ChoiceFilter(
                field_name=self.field_name or self.name,
                choices=_choices(self.choices),
                label=self.label,
            )
        return django_filters.CharFilter(
            field_name=self.field_name or self.name, validators=[self.validator], label=self.label
        )

    def as_openapi(self) -> OpenApiParameter:
        return OpenApiParameter(
            self.name,
            str,
            enum=list(self.choices) if self.choices else None,
            pattern=self.validator.regex.pattern if self.validator else None,
            description=self.description,
        )


# The filters of /api/v1/observations/, declared once: the FilterSet that validates them and the
# OpenAPI parameters that document them are both made from this list.
OBSERVATION_FILTERS = (
    QueryParameter(
        "measure",
        "Measure",
        "Measure code, for example hits.",
        choices=tuple(registry.MEASURES),
    ),
    QueryParameter(
        "table",
        "Table",
        "Table code, for example by_area_category.",
        choices=tuple(_table_codes()),
    ),
    QueryParameter(
        "period",
        "One period",
        "One period: 2025-03, 2025-Q1 or 2025.",
        validator=PERIOD_VALUE,
    ),
    QueryParameter(
        "period_from", "First period", "First period (inclusive).", validator=PERIOD_VALUE
    ),
    QueryParameter("period_to", "Last period", "Last period (inclusive).", validator=PERIOD_VALUE),
    QueryParameter(
        "release",
        "Release",
        "Figures as first published in this release (slug).",
        validator=RELEASE_VALUE,
    ),
    # One filter per dimension: its codes, or "all" for totals.
    *(
        QueryParameter(
            code,
            dimension.label,
            f"Filter by {dimension.label.lower()} code ('all' for totals).",
            choices=(*dimension.codes, registry.TOTAL),
            field_name=f"dims__{code}",
        )
        for code, dimension in registry.DIMENSIONS.items()
    ),
)


class ObservationFilter(django_filters.FilterSet):
    """The filters of /api/v1/observations/ (validated here, applied by the selector)."""

    class Meta:
        model = Observation
        fields: list[str] = []


ObservationFilter.base_filters.update((p.name, p.as_filter()) for p in OBSERVATION_FILTERS)


class PageForm(forms.Form):
    page = forms.CharField(required=False, validators=[PAGE_VALUE])

    def clean_page(self) -> int:
        page = int(self.cleaned_data["page"] or "1")
        if page > settings.API_MAX_PAGE:
            raise forms.ValidationError(f"At most {settings.API_MAX_PAGE}.")
        return page


def observation_parameters() -> list[OpenApiParameter]:
    """The OpenAPI parameters of /api/v1/observations/: its filters and its page."""
    page = OpenApiParameter(
        "page",
        {"type": "integer", "minimum": 1, "maximum": settings.API_MAX_PAGE},
        description=f"Page number ({PAGE_SIZE} observations a page), 1 to {settings.API_MAX_PAGE}.",
    )
    return [*(p.as_openapi() for p in OBSERVATION_FILTERS), page]


def query_clean(request, allowed: tuple[str, ...]) -> dict[str, str]:
    """The request's query parameters if each is allowed and given once; else a 400."""
    errors = {}
    for name, values in request.query_params.lists():
        if name not in allowed:
            errors[name] = ["Unknown parameter."]
        elif len(values) > 1:
            errors[name] = ["Give this parameter once."]
        elif values[0] == "":
            errors[name] = ["Give a value, or leave the parameter out."]
    if errors:
        raise ValidationError(errors)
    return dict(request.query_params.items())


def observation_query(request) -> dict:
    """Cleaned filters and page of an observations request, or a 400 naming each problem."""
    allowed = (*ObservationFilter.base_filters, "page")
    raw = query_clean(request, allowed)
    filters = ObservationFilter(
        {k: v for k, v in raw.items() if k != "page"}, queryset=Observation.objects.none()
    )
    page = PageForm({"page": raw.get("page", "")})
    errors = {}
    if not filters.is_valid():
        errors.update(filters.errors)
    if not page.is_valid():
        errors.update(page.errors)
    if errors:
        raise ValidationError({name: list(messages) for name, messages in errors.items()})
    cleaned = {k: v for k, v in filters.form.cleaned_data.items() if v}
    cleaned["page"] = page.cleaned_data["page"]
    return cleaned


def cache_suffix(cleaned: dict) -> str:
    """The normalised query: known names, cleaned values, one order."""
    return urlencode(sorted((k, str(v)) for k, v in cleaned.items()))


def cache_key(view_name: str, path_params: dict, cleaned: dict) -> str:
    """A short cache key from the view, its (converter-checked) path parameters and cleaned
    query: never longer than a memcached or Redis operator would expect."""
    path = "&".join(f"{k}={v}" for k, v in sorted(path_params.items()))
    digest = hashlib.sha256(f"{path}?{cache_suffix(cleaned)}".encode()).hexdigest()[:32]
    return f"api:{view_name}:{digest}"


class ObservationPagination(PageNumberPagination):
    """DRF's page-number pagination, with the page already validated and bounded."""

    page_size = PAGE_SIZE

    def paginate(self, queryset, request, page: int) -> list:
        # Django's paginator reads the page from the query string; it is the cleaned one here.
        self.request = request
        paginator = self.django_paginator_class(queryset, self.page_size)
        self.number = page
        self.count = paginator.count
        if page > 1 and (page - 1) * self.page_size >= self.count:
            from rest_framework.exceptions import NotFound

            raise NotFound("There is no page with this number.")
        start = (page - 1) * self.page_size
        return list(queryset[start : start + self.page_size])

    def next_query(self, cleaned: dict) -> str | None:
        if self.number * self.page_size >= self.count:
            return None
        return cache_suffix({**cleaned, "page": self.number + 1})

    def get_paginated_response(self, data):  # pragma: no cover - the view builds the body
        return Response(data)
