"""The protected tables of a consultation's published results, built once per release.

Every count of people on the results page and in its downloads comes from here, protected by
the site's disclosure-control engine (talklondon.disclosure): counts under 10 hidden ("[c]"),
secondary suppression so that no hidden count can be narrowed to a range less than 5 wide by
anyone who knows the rules, and every published count rounded to the nearest 5.

A table is plain JSON (what a release stores and hashes):

    {"id", "title", "row_label", "column_label", "unit", "additive",
     "rows": [[code, label], ...], "columns": [[code, label], ...],
     "cells": [[row code, column code, value or null, marker], ...],   # totals: code "all"
     "notes": [...]}

A question with a borough breakdown has one table, by borough: its total row is the question's
own counts, so the page and both downloads publish the same protected figures. The true counts
are returned separately (staff only, kept with the release for the differencing check of later
revisions, never served).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from consultation.analysis.figure_selectors import BY_BOROUGH, CROSSTAB_TYPES, TEXT_TYPES, crosstab
from consultation.surveys.models import Question, Survey
from consultation.surveys.selectors import results_summary
from talklondon import disclosure
from talklondon.areas import borough_choices

TOTAL = disclosure.TOTAL
NOT_GIVEN = "not-given"
Type = Question.Type


def _table(
    table_id: str,
    *,
    title: str,
    rows: list[tuple[str, str]],
    columns: list[tuple[str, str]],
    counts: dict[tuple[str, str], int],
    row_label: str,
    column_label: str = "",
    additive: bool = True,
    forced=(),
) -> tuple[dict, dict]:
    """(the protected table, its true counts as {"row|column": count} including totals)."""
    values = {((r,), (c,)): int(counts.get((r, c), 0)) for r, _ in rows for c, _ in columns}
    protected = disclosure.protect_table(
        values,
        [(r,) for r, _ in rows],
        [(c,) for c, _ in columns],
        additive=additive,
        forced=[((r,), (c,)) for r, c in forced],
    )
    grid = disclosure.grid_of(
        values, [(r,) for r, _ in rows], [(c,) for c, _ in columns], additive=additive
    )
    cells = [
        [row[0], col[0], published.value, published.flag]
        for (row, col), published in sorted(protected.cells.items())
    ]
    payload = {
        "id": table_id,
        "title": title,
        "row_label": row_label,
        "column_label": column_label,
        "unit": "responses",
        "additive": additive,
        "rows": [list(r) for r in rows],
        "columns": [list(c) for c in columns],
        "cells": cells,
        "notes": protected.notes,
    }
    true = {f"{row[0]}|{col[0]}": value for (row, col), value in grid.values.items()}
    return payload, true


def _boroughs() -> list[tuple[str, str]]:
    return [*borough_choices(), (NOT_GIVEN, "Borough not given")]


def results_tables(consultation, *, forced: dict | None = None) -> tuple[dict, dict]:
    """(content, true counts) for every survey of the consultation.

    `forced` maps a table id to the [row, column] cells hidden in an earlier version, which
    stay hidden. The content is JSON: {"surveys": [{"survey_id", "title", "total_table",
    "questions": [{"question_id", "number", "text", "type", "anchor", "table",
    "answered_table", "by_borough"}], "themes": [...]}], "tables": {id: table}}.
    """
    from consultation.analysis.models import Theme

    forced = forced or {}
    tables: dict[str, dict] = {}
    counts: dict[str, dict] = {}

    def add(table_id: str, **kwargs) -> str:
        payload, true = _table(table_id, forced=forced.get(table_id, ()), **kwargs)
        tables[table_id], counts[table_id] = payload, true
        return table_id

    surveys = []
    for index, survey in enumerate(Survey.objects.filter(consultation=consultation).order_by("pk")):
        prefix = "" if index == 0 else f"survey-{survey.pk}-"
        summary = results_summary(survey)
        structure = summary["structure"]
        numbers = {q.pk: n for n, q in enumerate(structure.questions, start=1)}
        has_borough = any(q.type == Type.BOROUGH for q in structure.questions)
        total_table = add(
            f"s{survey.pk}-channels",
            title=f"{survey.title}: responses by channel",
            rows=[(value, label) for value, label, _n in summary["by_channel"]],
            columns=[("responses", "Responses")],
            counts={(value, "responses"): n for value, _label, n in summary["by_channel"]},
            row_label="Channel",
        )
        questions = []
        for result in summary["questions"]:
            question = result.question
            number = numbers[question.pk]
            title = f"Q{number}. {question.text}"
            table_id = f"s{survey.pk}-q{number}"
            by_borough = question.type in CROSSTAB_TYPES and has_borough
            if result.statements:
                columns = [(str(i), r.label) for i, r in enumerate(result.statements[0][1])]
                rows = [(str(i), label) for i, (label, _) in enumerate(result.statements)]
                table = add(
                    table_id,
                    title=title,
                    rows=rows,
                    columns=columns,
                    counts={
                        (str(i), str(j)): r.count
                        for i, (_label, rs) in enumerate(result.statements)
                        for j, r in enumerate(rs)
                    },
                    row_label="Statement",
                    column_label="Answer",
                )
            elif by_borough:
                cross = crosstab(
                    survey, structure, question=question, by=BY_BOROUGH, all_groups=True
                )
                columns = [(str(j), r.label) for j, r in enumerate(result.rows)]
                keys = [key for key, _ in cross.columns]
                grid = {
                    (code, str(j)): cross.counts.get((code, key), 0)
                    for code, _name in borough_choices()
                    for j, key in enumerate(keys)
                }
                for j, r in enumerate(result.rows):
                    placed = sum(grid[(code, str(j))] for code, _ in borough_choices())
                    grid[(NOT_GIVEN, str(j))] = max(0, r.count - placed)
                table = add(
                    f"{table_id}-by-borough",
                    title=f"{title} By borough",
                    rows=_boroughs(),
                    columns=columns,
                    counts=grid,
                    row_label="Borough",
                    column_label="Answer",
                )
            else:
                rows = [(str(j), r.label) for j, r in enumerate(result.rows)]
                if question.type == Type.BOROUGH:
                    found = {r.label: r.count for r in result.rows}
                    rows = [(code, name) for code, name in borough_choices()]
                    grid = {(code, "responses"): found.get(name, 0) for code, name in rows}
                else:
                    grid = {(str(j), "responses"): r.count for j, r in enumerate(result.rows)}
                table = add(
                    table_id,
                    title=title,
                    rows=rows,
                    columns=[("responses", "Responses")],
                    counts=grid,
                    row_label="Answer",
                    # Several answers per person: the total would count choices, not people.
                    additive=question.type not in (Type.MULTIPLE_CHOICE, Type.RANKING),
                )
            one_answer_each = not result.statements and question.type not in (
                Type.MULTIPLE_CHOICE,
                Type.RANKING,
            )
            # Where the table's grand total is the number who answered, that total is the
            # figure: publishing it again on its own could reveal it where the table hides it.
            answered = (
                table
                if one_answer_each
                else add(
                    f"{table_id}-answered",
                    title=f"{title} People who answered",
                    rows=[("answered", "People who answered")],
                    columns=[("responses", "Responses")],
                    counts={("answered", "responses"): result.answered},
                    row_label="",
                    additive=False,
                )
            )
            questions.append(
                {
                    "question_id": question.pk,
                    "number": number,
                    "text": question.text,
                    "type": question.type,
                    "anchor": f"{prefix}question-{number}",
                    "table": table,
                    "answered_table": answered,
                    "by_borough": by_borough,
                }
            )
        themes = []
        text_questions = [q for q in structure.questions if q.type in TEXT_TYPES]
        theme_counts = (
            Theme.objects.filter(
                dataset_key="survey-answers", question_key__in=[str(q.pk) for q in text_questions]
            )
            .annotate(tag_count=Count("tags"))
            .order_by("-tag_count", "name")
        )
        by_question: dict[str, list] = {}
        for theme in theme_counts:
            by_question.setdefault(theme.question_key, []).append(theme)
        for question in text_questions:
            found = by_question.get(str(question.pk))
            if not found:
                continue
            number = numbers[question.pk]
            table = add(
                f"s{survey.pk}-q{number}-themes",
                title=f"Q{number}. {question.text} Answers that expressed each theme",
                rows=[(str(theme.pk), theme.name) for theme in found],
                columns=[("responses", "Answers")],
                counts={(str(theme.pk), "responses"): theme.tag_count for theme in found},
                row_label="Theme",
                # An answer can express several themes, so there is no meaningful total.
                additive=False,
            )
            themes.append(
                {
                    "question_id": question.pk,
                    "number": number,
                    "text": question.text,
                    "anchor": f"{prefix}themes-{number}",
                    "table": table,
                }
            )
        surveys.append(
            {
                "survey_id": survey.pk,
                "title": survey.title,
                "total_table": total_table,
                "questions": questions,
                "themes": themes,
            }
        )
    return {"surveys": surveys, "tables": tables}, counts


# --- Reading a stored release: the page and the downloads ---------------------------------------


@dataclass
class PublishedRow:
    label: str
    count: str  # a figure, or a marker such as "[c]"
    percent: str
    width: float | None  # bar width (0-100), None when hidden


@dataclass
class PublishedTable:
    caption: str
    rows: list[PublishedRow]
    suppressed: bool


def _cell_map(table: dict) -> dict[tuple[str, str], tuple[int | None, str]]:
    return {(row, col): (value, flag) for row, col, value, flag in table["cells"]}


def display(value: int | None, flag: str) -> str:
    return f"[{flag}]" if value is None else f"{value:,}"


def _percent(value, total) -> tuple[str, float | None]:
    if value is None:
        return "", None
    if not total:
        return "", None
    share = round(100 * value / total, 1)
    return f"{share:.1f}%", share


def one_way_tables(table: dict) -> list:
    """The page's bar tables of a stored table: one per statement of a matrix question, else
    one over the answers (a by-borough table shows its London-wide total row)."""
    cells = _cell_map(table)
    columns = table["columns"]
    if len(columns) == 1:
        col = columns[0][0]
        lines = [(label, cells[(code, col)]) for code, label in table["rows"]]
        total = cells.get((TOTAL, col))
        groups = [("", lines, total)]
    elif table["row_label"] == "Borough":
        lines = [(label, cells[(TOTAL, code)]) for code, label in columns]
        groups = [("", lines, cells.get((TOTAL, TOTAL)))]
    else:
        groups = [
            (
                row_label,
                [(label, cells[(row, code)]) for code, label in columns],
                cells.get((row, TOTAL)),
            )
            for row, row_label in table["rows"]
        ]
    result = []
    for caption, lines, total in groups:
        total_value = total[0] if total else None
        rows = []
        for label, (value, flag) in lines:
            percent, width = _percent(value, total_value)
            rows.append(PublishedRow(label, display(value, flag), percent, width))
        if total:
            rows.append(PublishedRow("Total", display(*total), "100.0%" if total[0] else "", None))
        hidden = any(value is None for _label, (value, _flag) in lines)
        result.append(PublishedTable(caption, rows, hidden))
    return result


def _grand_total(table: dict) -> str:
    """The table's overall total (or its only figure)."""
    if len(table["cells"]) == 1:
        [(_row, _col, value, flag)] = table["cells"]
        return display(value, flag)
    cells = _cell_map(table)
    column = TOTAL if len(table["columns"]) > 1 else table["columns"][0][0]
    return display(*cells[(TOTAL, column)])


def release_figures(content: dict) -> list[dict]:
    """What results_detail.html shows, from a stored release."""
    tables = content["tables"]
    result = []
    for survey in content["surveys"]:
        channels_table = tables[survey["total_table"]]
        [channels] = one_way_tables(channels_table)
        total = _cell_map(channels_table).get((TOTAL, "responses"), (None, "c"))
        result.append(
            {
                "survey": {"pk": survey["survey_id"], "title": survey["title"]},
                "total": display(*total),
                "channels": channels,
                "questions": [
                    {
                        "question": {"text": q["text"], "type": q["type"]},
                        "number": q["number"],
                        "anchor": q["anchor"],
                        "tables": one_way_tables(tables[q["table"]]),
                        "answered": _grand_total(tables[q["answered_table"]]),
                        "by_borough": q["by_borough"],
                    }
                    for q in survey["questions"]
                ],
                "themes": [
                    {
                        "question": {"text": t["text"]},
                        "number": t["number"],
                        "anchor": t["anchor"],
                        "table": one_way_tables(tables[t["table"]])[0],
                    }
                    for t in survey["themes"]
                ],
            }
        )
    return result


def question_table(content: dict, survey_id: int, number: int) -> dict | None:
    for survey in content["surveys"]:
        if survey["survey_id"] == survey_id:
            for q in survey["questions"]:
                if q["number"] == number:
                    return content["tables"][q["table"]]
    return None


def download_rows(table: dict, *, by_borough: bool) -> tuple[list[str], list[list]]:
    """(header, rows) of a tidy CSV of a stored table: one row per figure, totals labelled
    "Total", hidden figures with an empty value and their marker in `flag`."""
    cells = _cell_map(table)
    rows_all = [*table["rows"], [TOTAL, "Total"]]
    cols_all = [*table["columns"], [TOTAL, "Total"]]
    present = [(r, c) for r in rows_all for c in cols_all if (r[0], c[0]) in cells]
    if table["row_label"] == "Borough" and not by_borough:
        # The question's own counts: the London-wide row of its by-borough table.
        header = ["answer", "value", "flag"]
        data = [[c[1], *cells[(TOTAL, c[0])]] for r, c in present if r[0] == TOTAL]
        return header, data
    if table["row_label"] == "Borough":
        header = ["area_code", "borough", "answer", "value", "flag"]
        data = [
            ["" if r[0] in (TOTAL, NOT_GIVEN) else r[0], r[1], c[1], *cells[(r[0], c[0])]]
            for r, c in present
        ]
        return header, data
    if len(table["columns"]) == 1:
        header = ["answer", "value", "flag"]
        data = [[r[1], *cells[(r[0], c[0])]] for r, c in present if c[0] != TOTAL]
        return header, data
    header = [table["row_label"].lower(), "answer", "value", "flag"]
    return header, [[r[1], c[1], *cells[(r[0], c[0])]] for r, c in present]
