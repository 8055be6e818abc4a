from django.urls import path

from consultation.statements import views

# Included under consultations/<slug:slug>/statements/ (before the proposal page route).
app_name = "statements"
urlpatterns = [
    path("", views.vote_page, name="vote"),
    path("add/", views.add_statement, name="add"),
    path("your-votes/", views.my_votes, name="mine"),
    path("results/", views.results, name="results"),
    path("results/statements.csv", views.results_csv, name="results_csv"),
    path("results/datapackage.json", views.results_datapackage, name="results_datapackage"),
    path("results/chart.svg", views.results_svg, name="results_svg"),
    path("<int:statement_id>/", views.statement_page, name="statement"),
    path("<int:statement_id>/vote/", views.vote, name="vote_post"),
]
