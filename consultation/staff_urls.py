from django.urls import path

from consultation import publish_views
from consultation import staff_views as views

app_name = "consultation_staff"
urlpatterns = [
    path("", views.consultation_list, name="consultation_list"),
    path("new/", views.consultation_create, name="consultation_create"),
    path("<int:pk>/", views.consultation_edit, name="consultation_edit"),
    path("<int:pk>/publish/", publish_views.consultation_publish, name="consultation_publish"),
    path("<int:pk>/preview/", publish_views.consultation_preview, name="consultation_preview"),
    path("<int:pk>/pages/new/", views.page_create, name="page_create"),
    path("pages/<int:page_id>/", views.page_edit, name="page_edit"),
    path("pages/<int:page_id>/publish/", publish_views.page_publish, name="page_publish"),
    path("pages/<int:page_id>/preview/", publish_views.page_preview, name="page_preview"),
    path("pages/<int:page_id>/attachments/new/", views.attachment_create, name="attachment_create"),
    path(
        "attachments/<int:attachment_id>/delete/", views.attachment_delete, name="attachment_delete"
    ),
    path("moderation/", views.moderation_desk, name="moderation"),
    path("moderation/bulk/", views.moderation_bulk, name="moderation_bulk"),
    path("moderation/audit/", views.moderation_audit, name="moderation_audit"),
    path(
        "moderation/comments/<int:comment_id>/",
        views.moderation_comment,
        name="moderation_comment",
    ),
    path(
        "moderation/comments/<int:comment_id>/approve/",
        views.moderation_approve,
        name="moderation_approve",
    ),
    path(
        "moderation/comments/<int:comment_id>/reject/",
        views.moderation_reject,
        name="moderation_reject",
    ),
    path(
        "moderation/comments/<int:comment_id>/redact/",
        views.moderation_redact,
        name="moderation_redact",
    ),
    path(
        "moderation/people/<int:user_id>/block/",
        views.participant_block,
        name="participant_block",
    ),
]
