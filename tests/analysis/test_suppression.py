"""Published summary tables hide small counts, and cannot be un-hidden by subtraction."""

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from consultation.analysis.suppression import (
    SUPPRESSED,
    summary_csv,
    summary_csv_response,
    suppress_counts,
    suppress_crosstab,
)


def test_counts_under_ten_are_hidden_with_a_note():
    table = suppress_counts({"Yes": 120, "No": 45, "Not sure": 7}, label="Answer")
    assert table.header == ("Answer", "Responses", "Percentage")
    rows = {r[0]: r[1:] for r in table.rows}
    assert rows["Yes"] == ("120", "69.8%")
    assert rows["Not sure"] == (SUPPRESSED, SUPPRESSED)
    # With the total shown, 7 = 172 - 120 - 45: so 45 is hidden as well.
    assert rows["No"] == (SUPPRESSED, SUPPRESSED)
    assert rows["Total"] == ("172", "100.0%")
    assert table.suppressed_cells == 2
    assert "fewer than 10" in table.note


def test_nothing_hidden_when_every_count_is_large():
    table = suppress_counts({"Yes": 10, "No": 25})
    assert SUPPRESSED not in {v for row in table.rows for v in row}
    assert table.note == ""


def test_a_tiny_total_is_hidden_too():
    table = suppress_counts({"Yes": 3, "No": 2})
    assert all(row[1] == SUPPRESSED for row in table.rows)


def test_crosstab_hides_small_cells_and_protects_them_in_rows_and_columns():
    table = suppress_crosstab(
        {
            "Camden": {"Yes": 30, "No": 12},
            "Hackney": {"Yes": 25, "No": 4},
            "City of London": {"Yes": 3, "No": 1},
        },
        columns=["Yes", "No"],
        row_label="Borough",
    )
    assert table.header == ("Borough", "Yes", "No", "Total")
    rows = {r[0]: r[1:] for r in table.rows}
    assert rows["Camden"] == ("30", "12", "42")
    assert rows["Hackney"][:2] == (SUPPRESSED, SUPPRESSED)
    assert rows["City of London"] == (SUPPRESSED, SUPPRESSED, SUPPRESSED)
    assert rows["Total"] == ("58", "17", "75")


def _unrecoverable(table):
    """No line of a published table has exactly one hidden entry next to a shown total."""
    body = [row[1:] for row in table.rows]
    lines = body + [list(col) for col in zip(*body, strict=True)]
    return all(list(line).count(SUPPRESSED) != 1 for line in lines)


@given(
    st.dictionaries(
        st.sampled_from(["A", "B", "C", "D"]),
        st.fixed_dictionaries(
            {"x": st.integers(0, 40), "y": st.integers(0, 40), "z": st.integers(0, 40)}
        ),
        min_size=1,
    )
)
def test_no_hidden_cell_can_be_worked_out_from_a_line(data):
    table = suppress_crosstab(data, columns=["x", "y", "z"])
    for row_name, row in zip(data, table.rows, strict=False):
        for column, shown in zip(["x", "y", "z"], row[1:4], strict=True):
            if data[row_name][column] < 10:
                assert shown == SUPPRESSED
    assert _unrecoverable(table)


def test_summary_csv_download_has_bom_table_and_note():
    table = suppress_counts({"=HYPERLINK(1)": 50, "No": 3}, title="Q1")
    response = summary_csv_response(table, file_name="q1.csv")
    assert response["Content-Disposition"] == 'attachment; filename="q1.csv"'
    content = response.content
    assert content == summary_csv(table)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == ["Q1"]
    assert rows[2][0] == "'=HYPERLINK(1)"
    assert rows[-1][0].startswith("[c] = fewer than 10")
