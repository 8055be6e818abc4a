"""The protected tables of a consultation's published results, built once per release.

Every count of people on the results page and in its downloads comes from here, protected by
the site's disclosure-control engine (talklondon.disclosure): counts under 10 hidden ("[c]"),
secondary suppression so that no hidden count can be narrowed to a range less than 5 wide by
anyone who knows the rules, and every published count rounded to the nearest 5.

The tables of a survey are protected together (`disclosure.protect_related`): each on its own,
then audited as one by an intruder who reads them all and knows how they relate from the
published questionnaire (`_relations`: a required question everyone is shown was answered by
every response, borough by borough by the same people; a follow-up by at most those who gave
the answer that opens it; the borough question's table counting, borough by borough, the
people of the rows of the tables by borough). The borough question's table has a "Borough not
given" row like theirs, so that it publishes no number of people who gave a borough: that
number, rounded, taken from the rounded number of responses, would pin the "not given" rows
to 0-4.

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


def _specs_and_true(pending: dict[str, dict]) -> tuple[list[dict], dict[str, dict]]:
    """The engine's table specs, in the order of `pending`, and each table's true counts as
    {"row|column": count} including totals."""
    specs, true = [], {}
    for table_id, table in pending.items():
        rows = [(r,) for r, _ in table["rows"]]
        cols = [(c,) for c, _ in table["columns"]]
        values = {
            ((r,), (c,)): int(table["counts"].get((r, c), 0))
            for r, _ in table["rows"]
            for c, _ in table["columns"]
        }
        specs.append(
            {
                "values": values,
                "rows": rows,
                "cols": cols,
                "additive": table["additive"],
                "forced": [((r,), (c,)) for r, c in table["forced"]],
            }
        )
        grid = disclosure.grid_of(values, rows, cols, additive=table["additive"])
        true[table_id] = {f"{row[0]}|{col[0]}": value for (row, col), value in grid.values.items()}
    return specs, true


def _payload(table_id: str, table: dict, protected) -> dict:
    return {
        "id": table_id,
        "title": table["title"],
        "row_label": table["row_label"],
        "column_label": table["column_label"],
        "unit": "responses",
        "additive": table["additive"],
        "rows": [list(r) for r in table["rows"]],
        "columns": [list(c) for c in table["columns"]],
        "cells": [
            [row[0], col[0], published.value, published.flag]
            for (row, col), published in sorted(protected.cells.items())
        ],
        "notes": protected.notes,
    }


def _protect_together(
    pending: dict[str, dict], relations: list[tuple[dict, float, float]]
) -> tuple[dict[str, dict], dict[str, dict]]:
    """Protect one survey's tables together (talklondon.disclosure.protect_related): each on
    its own, then audited as one by an intruder who also knows `relations`, given as
    ({(table id, row code, column code): coefficient}, low, high)."""
    specs, true = _specs_and_true(pending)
    index = {table_id: i for i, table_id in enumerate(pending)}
    engine_relations = [
        (
            {(index[t], ((row,), (col,))): c for (t, row, col), c in coefficients.items()},
            low,
            high,
        )
        for coefficients, low, high in relations
    ]
    protected = disclosure.protect_related(specs, engine_relations)
    tables = {
        table_id: _payload(table_id, pending[table_id], protected[index[table_id]])
        for table_id in pending
    }
    return tables, true


def _boroughs() -> list[tuple[str, str]]:
    return [*borough_choices(), (NOT_GIVEN, "Borough not given")]


@dataclass
class _Shape:
    """Where a question's figures are in its survey's tables, for the relations between them."""

    question: Question
    table: str
    by_borough: bool
    one_answer_each: bool
    columns: list[str]  # the answer codes of a by-borough table
    answered: tuple[str, str, str]  # (table, row, column) of the number who answered


def _conditions(structure, question: Question) -> list:
    """What decides whether the question is shown: its own condition and its section's."""
    found = [
        structure.question_conditions.get(question.pk),
        structure.section_conditions.get(question.section_id),
    ]
    return [condition for condition in found if condition is not None]


def _opening_answers(structure, condition, parent: Question) -> list[str]:
    """The answer codes of `parent` (as in its table) that show what `condition` guards."""
    if parent.type == Type.YES_NO:  # rows Yes, No
        return ["0" if condition.boolean_value else "1"]
    if parent.type == Type.ORGANISATION:  # rows As an individual, On behalf of an organisation
        return ["1" if condition.boolean_value else "0"]
    opening = structure.condition_options.get(condition.pk, frozenset())
    options = structure.options_by_question.get(parent.pk, [])
    return [str(j) for j, option in enumerate(options) if option.pk in opening]


def _relations(
    structure, shapes: dict[int, _Shape], responses: tuple[str, str, str]
) -> list[tuple[dict, float, float]]:
    """What anyone can tell from the published questionnaire about how a survey's tables
    relate, as linear facts over their true counts ({(table, row, column): coefficient},
    low, high). The intruder of the joint audit knows them.

    - Everyone: a required question shown to everyone, with one answer each, was answered by
      every response, so the number who answered it is the number of responses (`responses`,
      the channels table's total).
    - The same people: such questions were answered in each borough by the same people, so
      their by-borough tables have equal row totals (the "not given" row and the London-wide
      total included).
    - The borough question: its table counts every response once, in the borough given or
      "not given", so its total is the number of responses and, row by row, it counts the
      people of the same row of every table by borough (all of them for a question everyone
      answered; at least those who answered, for any other).
    - A follow-up: a question shown only after a given answer (its own condition or its
      section's) was answered by at most the people who gave that answer; by borough where
      both questions have borough tables, and London-wide.

    A relation the true counts break (a paper response skips a required question or answers
    one its reader was not meant to see) is left out by the engine, which is right: the
    intruder cannot rely on it either.
    """
    rows = [code for code, _name in _boroughs()] + [TOTAL]
    unbounded = -float("inf")
    relations: list[tuple[dict, float, float]] = []
    everyone = [
        shape
        for shape in shapes.values()
        if shape.one_answer_each
        and shape.question.required
        and not _conditions(structure, shape.question)
    ]
    for shape in everyone:
        relations.append(({shape.answered: 1, responses: -1}, 0, 0))
    everyone = [shape for shape in everyone if shape.by_borough]
    for other in everyone[1:]:
        for row in rows:
            relations.append(
                ({(everyone[0].table, row, TOTAL): 1, (other.table, row, TOTAL): -1}, 0, 0)
            )
    boroughs = [shape for shape in shapes.values() if shape.question.type == Type.BOROUGH]
    if boroughs:
        given = boroughs[0]  # one row per borough and "not given": every response once
        relations.append(({(given.table, TOTAL, "responses"): 1, responses: -1}, 0, 0))
        in_everyone = {shape.table for shape in everyone}
        for shape in shapes.values():
            if not shape.by_borough:
                continue
            for row in rows[:-1]:
                people = (given.table, row, "responses")
                if shape.one_answer_each:
                    # Those who answered, borough by borough, are among those who gave it;
                    # all of them for a question everyone answered.
                    low = 0 if shape.table in in_everyone else unbounded
                    relations.append(({(shape.table, row, TOTAL): 1, people: -1}, low, 0))
                else:
                    for column in shape.columns:
                        relations.append(
                            ({(shape.table, row, column): 1, people: -1}, unbounded, 0)
                        )
    for shape in shapes.values():
        for condition in _conditions(structure, shape.question):
            parent = shapes.get(condition.depends_on_id)
            if parent is None:
                continue
            opening = _opening_answers(structure, condition, parent.question)
            if not opening:
                continue
            if shape.by_borough and parent.by_borough:
                for row in rows:
                    gave = {(parent.table, row, j): -1 for j in opening}
                    # One answer each: the row total is people; several: each answer is.
                    counted = [TOTAL] if shape.one_answer_each else shape.columns
                    for column in counted:
                        relations.append(({(shape.table, row, column): 1, **gave}, unbounded, 0))
                if shape.one_answer_each:
                    continue  # the London-wide row above is the number who answered
            gave = {
                (parent.table, TOTAL, j)
                if parent.by_borough
                else (parent.table, j, "responses"): -1
                for j in opening
            }
            relations.append(({shape.answered: 1, **gave}, unbounded, 0))
    return relations


def results_tables(consultation, *, forced: dict | None = None) -> tuple[dict, dict]:
    """(content, true counts) for every survey of the consultation.

    The tables of each survey are protected together (`_relations`, `_protect_together`):
    each on its own, then audited as one by an intruder who reads every table of the survey
    and knows how they relate. `forced` maps a table id to the [row, column] cells hidden in
    an earlier version, which stay hidden. The content is JSON: {"surveys": [{"survey_id",
    "title", "total_table", "questions": [{"question_id", "number", "text", "type",
    "anchor", "table", "answered_table", "by_borough", "counts_everyone"}], "themes": [...]}],
    "tables": {id: table}}.
    """
    from consultation.analysis.models import Theme

    forced = forced or {}
    tables: dict[str, dict] = {}
    counts: dict[str, dict] = {}

    surveys = []
    for index, survey in enumerate(Survey.objects.filter(consultation=consultation).order_by("pk")):
        pending: dict[str, dict] = {}

        def add(
            table_id: str,
            *,
            title: str,
            rows: list[tuple[str, str]],
            columns: list[tuple[str, str]],
            counts: dict[tuple[str, str], int],
            row_label: str,
            column_label: str = "",
            additive: bool = True,
            pending=pending,
        ) -> str:
            pending[table_id] = {
                "title": title,
                "rows": rows,
                "columns": columns,
                "counts": counts,
                "row_label": row_label,
                "column_label": column_label,
                "additive": additive,
                "forced": forced.get(table_id, ()),
            }
            return table_id

        prefix = "" if index == 0 else f"survey-{survey.pk}-"
        summary = results_summary(survey)
        structure = summary["structure"]
        numbers = {q.pk: n for n, q in enumerate(structure.questions, start=1)}
        has_borough = any(q.type == Type.BOROUGH for q in structure.questions)
        shapes: dict[int, _Shape] = {}
        responses = sum(n for _value, _label, n in summary["by_channel"])
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
            columns = [("responses", "Responses")]
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
                    # Every response is counted, those without a borough in their own row,
                    # as in the tables by borough: a published number who gave a borough
                    # would pin that row to the difference of two rounded totals.
                    found = {r.label: r.count for r in result.rows}
                    rows = _boroughs()
                    grid = {(code, "responses"): found.get(name, 0) for code, name in rows}
                    grid[(NOT_GIVEN, "responses")] = max(0, responses - sum(grid.values()))
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
            if one_answer_each:
                answered_entry = (table, TOTAL, TOTAL if by_borough else "responses")
            else:
                answered_entry = (answered, "answered", "responses")
            shapes[question.pk] = _Shape(
                question=question,
                table=table,
                by_borough=by_borough,
                one_answer_each=one_answer_each,
                columns=[code for code, _label in columns],
                answered=answered_entry,
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
                    # Its total is every response, not the people who gave a borough.
                    "counts_everyone": question.type == Type.BOROUGH,
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
        protected, true = _protect_together(
            pending, _relations(structure, shapes, (total_table, TOTAL, "responses"))
        )
        tables.update(protected)
        counts.update(true)
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
                # For the wording only: "1 response", "2,000 responses" (a hidden total is
                # fewer than 10, and still "responses").
                "total_count": total[0] if total[0] is not None else 0,
                "channels": channels,
                "questions": [
                    {
                        "question": {"text": q["text"], "type": q["type"]},
                        "number": q["number"],
                        "anchor": q["anchor"],
                        "tables": one_way_tables(tables[q["table"]]),
                        "answered": _grand_total(tables[q["answered_table"]]),
                        "by_borough": q["by_borough"],
                        "counts_everyone": q.get("counts_everyone", False),  # older releases
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
