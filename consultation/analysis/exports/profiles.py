"""The first real dataset: who has taken part, by borough and age band.

Anonymised by default (pseudonymous id, month joined, borough, age band); the identified
variant, for the Personal-data exporter, adds display name and email address. Staff accounts,
superusers and erased accounts are left out.
"""

from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Case, CharField, F, Func, Value, When

from consultation.analysis.exports.datasets import (
    FILTER_BOROUGH,
    FILTER_DATES,
    BaseDataset,
    CodebookRow,
    Column,
    ExportFilters,
    respondent_column,
)
from talklondon.areas import borough_choices, borough_name
from talklondon.models import Profile


class ParticipantProfilesDataset(BaseDataset):
    key = "participant-profiles"
    title = "Participant profiles"
    description = (
        "One row per person with an account: borough and age band, with the month they joined. "
        "Filter by the date they joined and by borough."
    )
    supported_filters = frozenset({FILTER_DATES, FILTER_BOROUGH})
    has_identified_variant = True

    def _queryset(self, filters: ExportFilters):
        queryset = Profile.objects.filter(
            user__is_active=True,
            user__erased_at__isnull=True,
            user__is_superuser=False,
            user__groups__isnull=True,
        )
        queryset = filters.in_date_range(queryset, "user__date_joined")
        if filters.borough:
            queryset = queryset.filter(borough=filters.borough)
        return queryset

    def columns(self, filters: ExportFilters) -> list[Column]:
        columns = [
            respondent_column(),
            Column("joined_month", "Month joined", "Year and month the account was created."),
            Column("borough_code", "Borough code", "GSS code, or 'outside' for outside London."),
            Column("borough", "Borough", "Borough the person told us they live in."),
            Column("age_band", "Age band", "Age band the person told us, if any."),
        ]
        if self.identified:
            columns += [
                Column("display_name", "Display name", "Personal data: name shown on the site."),
                Column("email", "Email address", "Personal data: sign-in email address."),
            ]
        return columns

    def rows(self, filters: ExportFilters) -> Iterator[tuple]:
        fields = ["user_id", "user__date_joined", "borough", "age_band"]
        if self.identified:
            fields += ["user__display_name", "user__email"]
        ages = dict(Profile.AgeBand.choices)
        tz = ZoneInfo(settings.TIME_ZONE)
        queryset = self._queryset(filters).order_by("user_id").values_list(*fields)
        for user_id, joined, borough, age_band, *identity in queryset.iterator(chunk_size=2000):
            yield (
                user_id,
                joined.astimezone(tz).strftime("%Y-%m"),
                borough,
                borough_name(borough) if borough else "",
                ages.get(age_band, age_band),
                *identity,
            )

    def copy_select(self, filters: ExportFilters) -> tuple[str, list]:
        """The same rows as rows(), formatted by PostgreSQL, for the COPY fast path."""
        labels = [When(borough=code, then=Value(name)) for code, name in borough_choices()]
        ages = [When(age_band=value, then=Value(label)) for value, label in Profile.AgeBand.choices]
        fields = ["user_id", "joined_month", "borough", "borough_label", "age_label"]
        if self.identified:
            fields += ["user__display_name", "user__email"]
        queryset = (
            self._queryset(filters)
            .order_by("user_id")
            .annotate(
                joined_month=Func(
                    F("user__date_joined"),
                    template=f"to_char(%(expressions)s AT TIME ZONE '{settings.TIME_ZONE}', "
                    "'YYYY-MM')",
                    output_field=CharField(),
                ),
                borough_label=Case(*labels, default=Value(""), output_field=CharField()),
                age_label=Case(*ages, default=F("age_band"), output_field=CharField()),
            )
            .values_list(*fields)
        )
        sql, params = queryset.query.sql_with_params()
        return sql, list(params)

    def count(self, filters: ExportFilters) -> int:
        return self._queryset(filters).count()

    def codebook(self, filters: ExportFilters) -> Iterator[CodebookRow]:
        for column in self.columns(filters):
            yield CodebookRow(
                variable=column.key, label=column.header, condition=column.description
            )
            if column.key == "borough_code":
                for code, name in borough_choices():
                    yield CodebookRow(variable=column.key, label="", value=code, value_label=name)
            elif column.key == "age_band":
                for _value, label in Profile.AgeBand.choices:
                    yield CodebookRow(variable=column.key, label="", value=label)
