from django.urls import path

from consultation.surveys import builder_views, preview_views, response_views
from consultation.surveys import staff_views as views

app_name = "surveys_staff"
urlpatterns = [
    path("", views.survey_list, name="list"),
    path("new/", views.survey_create, name="survey_create"),
    path("<int:survey_id>/", views.builder, name="builder"),
    path("<int:survey_id>/edit/", views.survey_edit, name="survey_edit"),
    path("<int:survey_id>/sections/new/", builder_views.section_create, name="section_create"),
    path("sections/<int:section_id>/edit/", builder_views.section_edit, name="section_edit"),
    path("sections/<int:section_id>/action/", builder_views.section_action, name="section_action"),
    path("sections/<int:section_id>/condition/", views.section_condition, name="section_condition"),
    path(
        "sections/<int:section_id>/questions/new/",
        builder_views.question_create,
        name="question_create",
    ),
    path("questions/<int:question_id>/edit/", builder_views.question_edit, name="question_edit"),
    path(
        "questions/<int:question_id>/action/", builder_views.question_action, name="question_action"
    ),
    path(
        "questions/<int:question_id>/condition/",
        views.question_condition,
        name="question_condition",
    ),
    path(
        "questions/<int:question_id>/options/new/",
        builder_views.option_create,
        name="option_create",
    ),
    path("options/<int:option_id>/edit/", builder_views.option_edit, name="option_edit"),
    path("options/<int:option_id>/action/", builder_views.option_action, name="option_action"),
    path("<int:survey_id>/preview/", preview_views.preview, name="preview"),
    path(
        "<int:survey_id>/preview/<int:section_id>/",
        preview_views.preview,
        name="preview_section",
    ),
    path("<int:survey_id>/preview/check/", preview_views.preview_check, name="preview_check"),
    path("<int:survey_id>/responses/new/", response_views.response_enter, name="response_enter"),
    path("responses/<int:response_id>/scan/", response_views.response_scan, name="response_scan"),
    path("<int:survey_id>/results/", views.results, name="results"),
    path("<int:survey_id>/publish/", builder_views.survey_publish, name="survey_publish"),
    path("sections/<int:section_id>/remove/", builder_views.section_remove, name="section_remove"),
    path(
        "questions/<int:question_id>/remove/", builder_views.question_remove, name="question_remove"
    ),
    path("options/<int:option_id>/remove/", builder_views.option_remove, name="option_remove"),
    path("responses/<int:response_id>/", response_views.response, name="response"),
]
