"""The GOV.UK date input pattern: day, month and year in three boxes, one field.

GovukDateField cleans to a `datetime.date` (or None when all three are empty and the field is
optional) and says precisely what is wrong, in GOV.UK's words: "From date must include a
month", "From date must be a real date". `govuk_field` renders it as a fieldset whose error
summary link leads to the day box. Every check is linear in the (bounded) input.
"""

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

PARTS = (("day", 2), ("month", 2), ("year", 4))


class GovukDateWidget(forms.MultiWidget):
    def __init__(self, attrs=None):
        super().__init__([forms.TextInput(attrs={"inputmode": "numeric"}) for _ in PARTS], attrs)

    def decompress(self, value):
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class GovukDateField(forms.MultiValueField):
    widget = GovukDateWidget

    def __init__(self, **kwargs):
        fields = [forms.CharField(max_length=10, required=False) for _ in PARTS]
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def compress(self, data_list):
        values = [str(v or "").strip() for v in (data_list or ["", "", ""])]
        if not any(values):
            return None
        label = str(self.label or "Date").removesuffix(" (optional)")
        missing = [name for (name, _), value in zip(PARTS, values, strict=True) if not value]
        if missing:
            raise ValidationError(f"{label} must include a {' and a '.join(missing)}")
        for (_name, longest), value in zip(PARTS, values, strict=True):
            if not (value.isascii() and value.isdecimal() and len(value) <= longest):
                raise ValidationError(f"{label} must be a real date")
        day, month, year = values
        if len(year) != 4:
            raise ValidationError("Year must include 4 numbers")
        try:
            return dt.date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(f"{label} must be a real date") from None


TIME_RE = re.compile(r"([01]?[0-9]|2[0-3])[:.]([0-5][0-9])")


class GovukDateTimeWidget(GovukDateWidget):
    """Day, month and year boxes and a time box (24-hour clock), London time."""

    def __init__(self, attrs=None):
        forms.MultiWidget.__init__(
            self,
            [forms.TextInput(attrs={"inputmode": "numeric"}) for _ in PARTS] + [forms.TextInput()],
            attrs,
        )

    def decompress(self, value):
        if isinstance(value, dt.datetime):
            local = timezone.localtime(value) if timezone.is_aware(value) else value
            return [local.day, local.month, local.year, local.strftime("%H:%M")]
        return [None, None, None, None]


class GovukDateTimeField(forms.MultiValueField):
    """A date in the GOV.UK pattern and a time such as 09:00, as an aware London datetime."""

    widget = GovukDateTimeWidget

    def __init__(self, **kwargs):
        fields = [forms.CharField(max_length=10, required=False) for _ in range(4)]
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def compress(self, data_list):
        values = [str(v or "").strip() for v in (data_list or ["", "", "", ""])]
        if not any(values):
            return None
        label = str(self.label or "Date").removesuffix(" (optional)")
        date_field = GovukDateField(label=label, required=True)
        date = date_field.compress(values[:3])
        if not values[3]:
            raise ValidationError(f"{label} must include a time")
        match = TIME_RE.fullmatch(values[3]) if len(values[3]) <= 5 else None
        if match is None:
            raise ValidationError(f"{label} time must be on the 24-hour clock, like 09:00 or 23:59")
        return timezone.make_aware(dt.datetime.combine(date, dt.time(int(match[1]), int(match[2]))))
