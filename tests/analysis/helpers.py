"""Test-only datasets and helpers for the export tests (never registered outside tests)."""

import csv
import io

from consultation.analysis.exports import (
    ALL_FILTERS,
    RESPONDENT,
    BaseDataset,
    Column,
    register_dataset,
    unregister_dataset,
)

NASTY_TEXTS = [
    "=1+1",
    "+SUM(A1:A2)",
    "-2+3",
    "@cmd",
    "\tleading tab",
    "\rleading carriage return",
    "Thumbs up 👍🏽 and 🚓",
    "مرحبا بالعالم — right to left",
    "bell\x07inside and vertical tab\x0b",
    'plain, with "quotes" and a\nnew line',
]


class ListDataset(BaseDataset):
    """Rows held in memory: lets tests feed the engine exact values, including hostile text."""

    key = "test-list"
    title = "Test rows"
    description = "Rows given by the test."
    supported_filters = ALL_FILTERS
    channel_choices = [("online", "Online"), ("paper", "Paper")]

    def __init__(self, *, identified=False, rows=(), fail_after=None):
        super().__init__(identified=identified)
        self._rows = list(rows)
        self._fail_after = fail_after

    def columns(self, filters):
        return [
            Column("respondent", "Respondent", "Pseudonym", kind=RESPONDENT),
            Column("channel", "Channel"),
            Column("text", "Text", "Free text"),
        ]

    def _selected(self, filters):
        return [r for r in self._rows if not filters.channel or r[1] == filters.channel]

    def rows(self, filters):
        for index, row in enumerate(self._selected(filters)):
            if self._fail_after is not None and index >= self._fail_after:
                raise RuntimeError("the database went away")
            yield row

    def count(self, filters):
        return len(self._selected(filters))


def list_dataset_register(rows, *, fail_after=None):
    register_dataset(
        ListDataset.key,
        lambda identified=False: ListDataset(
            identified=identified, rows=rows, fail_after=fail_after
        ),
    )


def list_dataset_unregister():
    unregister_dataset(ListDataset.key)


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode()), "CSV must start with a UTF-8 BOM"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
