from django.urls import path

from consultation.surveys import builder_views, response_views
from consultation.surveys import staff_views as views

app_name = "surveys_staff"
urlpatterns = [
    path("", views.survey_list, name="list"),
    path("new/", views.survey_create, name="survey_create"),
    path("<int:survey_id>/", views.builder, name="builder"),
    path("<int:survey_id>/edit/", views.survey_edit, name="survey_edit"),
    path("<int:survey_id>/sections/new/", views.section_create, name="section_create"),
    path("sections/<int:section_id>/edit/", views.section_edit, name="section_edit"),
    path("sections/<int:section_id>/action/", views.section_action, name="section_action"),
    path("sections/<int:section_id>/condition/", views.section_condition, name="section_condition"),
    path(
        "sections/<int:section_id>/questions/new/",
        builder_views.question_create,
        name="question_create",
    ),
    path("questions/<int:question_id>/edit/", builder_views.question_edit, name="question_edit"),
    path("questions/<int:question_id>/action/", views.question_action, name="question_action"),
    path(
        "questions/<int:question_id>/condition/",
        views.question_condition,
        name="question_condition",
    ),
    path("questions/<int:question_id>/options/new/", views.option_create, name="option_create"),
    path("options/<int:option_id>/edit/", views.option_edit, name="option_edit"),
    path("options/<int:option_id>/action/", views.option_action, name="option_action"),
    path("<int:survey_id>/preview/", views.preview, name="preview"),
    path(
        "<int:survey_id>/preview/<int:section_id>/",
        views.preview,
        name="preview_section",
    ),
    path("<int:survey_id>/preview/check/", views.preview_check, name="preview_check"),
    path("<int:survey_id>/responses/new/", views.response_enter, name="response_enter"),
    path("responses/<int:response_id>/scan/", views.response_scan, name="response_scan"),
    path("<int:survey_id>/results/", views.results, name="results"),
    path("<int:survey_id>/publish/", builder_views.survey_publish, name="survey_publish"),
    path("sections/<int:section_id>/remove/", builder_views.section_remove, name="section_remove"),
    path(
        "questions/<int:question_id>/remove/", builder_views.question_remove, name="question_remove"
    ),
    path("options/<int:option_id>/remove/", builder_views.option_remove, name="option_remove"),
    path("responses/<int:response_id>/", response_views.response, name="response"),
]
