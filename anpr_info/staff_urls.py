from django.urls import path

from anpr_info import staff_views

app_name = "anpr_staff"
urlpatterns = [
    path("", staff_views.home, name="home"),
    path("sources/", staff_views.source_add, name="source_add"),
    path("sources/<int:source_id>/keys/", staff_views.key_issue, name="key_issue"),
    path("keys/<int:key_id>/revoke/", staff_views.key_revoke, name="key_revoke"),
    path("quarantine/", staff_views.quarantine, name="quarantine"),
    path(
        "quarantine/<int:batch_id>/reviewed/",
        staff_views.quarantine_reviewed,
        name="quarantine_reviewed",
    ),
    path("releases/", staff_views.release_add, name="release_add"),
    path("releases/<int:pk>/", staff_views.release_detail, name="release"),
    path("releases/<int:pk>/<slug:action>/", staff_views.release_action, name="release_action"),
]
