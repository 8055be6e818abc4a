"""Public results pages: /results/<consultation slug>/ and its CSV tables with descriptors."""

from django.urls import path

from consultation.analysis import public_results_views

app_name = "results"
urlpatterns = [
    path("unsubscribe/<str:token>/", public_results_views.results_unsubscribe, name="unsubscribe"),
    path("<slug:slug>/", public_results_views.results_detail, name="detail"),
    path(
        "<slug:slug>/tables/<int:survey_id>/question-<int:number>.csv",
        public_results_views.results_table,
        name="table",
    ),
    path(
        "<slug:slug>/tables/<int:survey_id>/question-<int:number>.datapackage.json",
        public_results_views.results_datapackage,
        name="table_datapackage",
    ),
    path(
        "<slug:slug>/tables/<int:survey_id>/question-<int:number>-by-borough.csv",
        public_results_views.results_table_by_borough,
        name="table_by_borough",
    ),
    path(
        "<slug:slug>/tables/<int:survey_id>/question-<int:number>-by-borough.datapackage.json",
        public_results_views.results_datapackage_by_borough,
        name="table_by_borough_datapackage",
    ),
]
