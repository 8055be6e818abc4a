"""The analysis app's part of the personal-data inventory (talklondon.personal_data).

Analysis holds staff records only: who exported what and why, who wrote and published results,
who made and applied themes. Respondents' data stays in the survey and comment tables; export
files are personal data too, but expire (see the exports service) and are not model fields.
"""

from talklondon.personal_data import (
    KEEP,
    PUBLIC_TASK,
    STAFF_RECORD,
    Field,
    NotPersonal,
    register_fields,
    register_not_personal,
)

_STAFF = "Staff"

register_fields(
    Field("analysis.ExportRecord", "requested_by", "which member of staff exported data",
          "accountability for every export", PUBLIC_TASK, STAFF_RECORD, KEEP,
          person="requested_by", audience="staff", group=_STAFF),
    Field("analysis.ExportRecord", "purpose", "why a member of staff exported identified data",
          "accountability for every export", PUBLIC_TASK, STAFF_RECORD, KEEP,
          person="requested_by", audience="staff", group=_STAFF),
    Field("analysis.ResultsPage", "updated_by", "which member of staff wrote the results "
          "page", "accountability", PUBLIC_TASK, STAFF_RECORD, KEEP, person="updated_by",
          audience="staff", group=_STAFF),
    Field("analysis.ResultsPage", "published_by", "which member of staff published results",
          "accountability", PUBLIC_TASK, STAFF_RECORD, KEEP, person="published_by",
          audience="staff", group=_STAFF),
    Field("analysis.ResultsRelease", "prepared_by", "which member of staff prepared a version "
          "of the published results", "accountability", PUBLIC_TASK, STAFF_RECORD, KEEP,
          person="prepared_by", audience="staff", group=_STAFF),
    Field("analysis.ResultsRelease", "published_by", "which member of staff published a "
          "version of the results", "accountability", PUBLIC_TASK, STAFF_RECORD, KEEP,
          person="published_by", audience="staff", group=_STAFF),
    Field("analysis.Theme", "created_by", "which analyst made a theme", "accountability",
          PUBLIC_TASK, STAFF_RECORD, KEEP, person="created_by", audience="staff",
          group=_STAFF),
    Field("analysis.TextAnalysis", "requested_by", "which analyst asked for campaign groups "
          "or theme suggestions", "accountability", PUBLIC_TASK, STAFF_RECORD, KEEP,
          person="requested_by", audience="staff", group=_STAFF),
    Field("analysis.ThemeTag", "tagged_by", "which analyst tagged an answer", "accountability",
          PUBLIC_TASK, STAFF_RECORD, KEEP, person="tagged_by", audience="staff", group=_STAFF),
)  # fmt: skip

register_not_personal(
    NotPersonal("analysis.ExportRecord", ("requested_at", "dataset_key", "dataset_title",
                "file_format", "identified", "filters", "delivery", "status", "rows_total",
                "rows_written", "row_count", "sha256", "file_name", "file_path", "file_size",
                "manifest", "error", "started_at", "finished_at", "expires_at", "downloads",
                "first_downloaded_at", "last_downloaded_at"),
                "what was exported, with which filters, and the file's fate"),
    NotPersonal("analysis.ResultsPage", ("consultation", "summary", "we_asked", "you_said",
                "we_did", "updated_at"), "MOPAC's published results"),
    NotPersonal("analysis.ResultsRelease", ("consultation", "version", "status", "reason",
                "content", "counts", "content_sha256", "problems", "prepared_at",
                "published_at", "manifest", "manifest_sha256"),
                "a version of the published results: aggregate counts after disclosure "
                "control, the true counts behind them (staff only, for the differencing "
                "check) and their digests; staff write the reason, checked to name no one"),
    NotPersonal("analysis.Theme", ("dataset_key", "question_key", "name", "description",
                "origin", "suggested_terms", "created_at"), "analysts' codebook"),
    NotPersonal("analysis.TextAnalysis", ("question", "kind", "state", "progress", "stage",
                "answers_counted", "fingerprint", "last_answer_id", "requested_at", "started_at", "finished_at",
                "result", "error"),
                "a run of campaign grouping or theme suggestion: answer ids, sizes and top "
                "terms only (never answer text), and how long it took"),
    NotPersonal("analysis.ThemeTag", ("theme", "answer", "tagged_at"),
                "a theme on an answer (the answer itself is in the inventory)"),
)  # fmt: skip
