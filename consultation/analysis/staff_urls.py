from django.urls import path

from consultation.analysis import (
    dashboard_views,
    export_views,
    oversight_views,
    staff_results_views,
    text_views,
)

app_name = "analysis_staff"
urlpatterns = [
    path("", dashboard_views.index, name="index"),
    path("surveys/<int:survey_id>/", dashboard_views.survey_dashboard, name="survey_dashboard"),
    path("questions/<int:question_id>/answers/", text_views.text_answers, name="text_answers"),
    path("questions/<int:question_id>/tag/", text_views.text_tag, name="text_tag"),
    path(
        "questions/<int:question_id>/answers/<int:answer_id>/review/",
        text_views.text_answer_review,
        name="text_answer_review",
    ),
    path("questions/<int:question_id>/themes/", text_views.text_themes, name="text_themes"),
    path(
        "questions/<int:question_id>/suggestions/",
        text_views.text_suggestions,
        name="text_suggestions",
    ),
    path(
        "questions/<int:question_id>/suggestions/compute/",
        text_views.text_analysis_compute,
        {"kind": "suggestions"},
        name="text_suggestions_compute",
    ),
    path(
        "questions/<int:question_id>/suggestions/status.json",
        text_views.text_analysis_status,
        {"kind": "suggestions"},
        name="text_suggestions_status",
    ),
    path(
        "questions/<int:question_id>/campaigns/", text_views.text_campaigns, name="text_campaigns"
    ),
    path(
        "questions/<int:question_id>/campaigns/compute/",
        text_views.text_analysis_compute,
        {"kind": "campaigns"},
        name="text_campaigns_compute",
    ),
    path(
        "questions/<int:question_id>/campaigns/status.json",
        text_views.text_analysis_status,
        {"kind": "campaigns"},
        name="text_campaigns_status",
    ),
    path("themes/<int:theme_id>/edit/", text_views.theme_edit, name="theme_edit"),
    path("themes/<int:theme_id>/delete/", text_views.theme_remove, name="theme_delete"),
    path("results/<int:consultation_id>/", staff_results_views.results_edit, name="results_edit"),
    path(
        "results/<int:consultation_id>/publish/",
        staff_results_views.results_publish,
        name="results_publish",
    ),
    path(
        "results/<int:consultation_id>/revise/",
        staff_results_views.results_revise,
        name="results_revise",
    ),
    path(
        "results/<int:consultation_id>/revisions/<int:version>/publish/",
        staff_results_views.results_revision_publish,
        name="results_revision_publish",
    ),
    path(
        "results/<int:consultation_id>/unpublish/",
        staff_results_views.results_unpublish,
        name="results_unpublish",
    ),
    path("exports/", export_views.export_list, name="export_list"),
    path("exports/new/", export_views.export_create, name="export_create"),
    path("exports/<int:pk>/", export_views.export_detail, name="export_detail"),
    path("exports/<int:pk>/status.json", export_views.export_status, name="export_status"),
    path("exports/<int:pk>/download/", export_views.export_download, name="export_download"),
    path("exports/<int:pk>/manifest.json", export_views.export_manifest, name="export_manifest"),
    path("oversight/", oversight_views.oversight, name="oversight"),
]
