from django.urls import path

from consultation.statements import staff_views as views

app_name = "statements_staff"
urlpatterns = [
    path("", views.activity_list, name="list"),
    path("<int:consultation_id>/", views.workspace, name="workspace"),
    path("<int:consultation_id>/set-up/", views.activity_edit, name="activity_edit"),
    path("<int:consultation_id>/statements/new/", views.seed, name="seed"),
    path("<int:consultation_id>/compute/", views.compute, name="compute"),
    path("<int:consultation_id>/results/", views.results, name="results"),
    path("<int:consultation_id>/common-ground/", views.common_ground, name="common_ground"),
    path("<int:consultation_id>/vote-matrix.csv", views.vote_matrix, name="vote_matrix"),
    path("statements/<int:statement_id>/approve/", views.approve, name="approve"),
    path("statements/<int:statement_id>/reject/", views.reject, name="reject"),
]
