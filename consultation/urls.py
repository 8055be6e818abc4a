from django.urls import path

from consultation import views
from consultation.page_history_views import page_changes_view

app_name = "consultation"
urlpatterns = [
    path("", views.consultation_list, name="list"),
    path("comments/<int:comment_id>/reply/", views.comment_reply, name="comment_reply"),
    path("comments/<int:comment_id>/edit/", views.comment_edit, name="comment_edit"),
    path("comments/<int:comment_id>/delete/", views.comment_delete, name="comment_delete"),
    path("comments/<int:comment_id>/report/", views.comment_report, name="comment_report"),
    path("comments/<int:comment_id>/like/", views.comment_like, name="comment_like"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("<slug:slug>/", views.consultation_detail, name="detail"),
    path("<slug:slug>/<slug:page_slug>/", views.proposal_page, name="page"),
    path("<slug:slug>/<slug:page_slug>/changes/", page_changes_view, name="page_changes"),
]
