from django.urls import path

import talklondon.converters  # noqa: F401  (registers <period:> and <release:>)
from anpr_info import views

app_name = "anpr_info"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("measures/<slug:code>/", views.measure_detail, name="measure"),
    path("measures/<slug:code>/spec.json", views.chart_spec, name="chart_spec"),
    path("measures/<slug:code>/chart.svg", views.chart_svg, name="chart_svg"),
    path("measures/<slug:code>/chart.png", views.chart_png, name="chart_png"),
    path("measures/<slug:code>/data.csv", views.chart_csv, name="chart_csv"),
    path("measures/<slug:code>/data.json", views.chart_json, name="chart_json"),
    path(
        "measures/<slug:code>/datapackage.json",
        views.chart_datapackage,
        name="chart_datapackage",
    ),
    path("methodology/", views.methodology, name="methodology"),
    path("methodology/anpr_verify.py", views.verify_script, name="verify_script"),
    path("releases/", views.release_list, name="release_list"),
    path("releases/feed/", views.ReleaseFeed(), name="release_feed"),
    path("releases/<release:slug>/", views.release_detail, name="release_detail"),
    path(
        "releases/<release:slug>/datapackage.json",
        views.release_datapackage,
        name="release_datapackage",
    ),
    path(
        "releases/<release:slug>/tables/<slug:measure>/<slug:table>/<period:period>.csv",
        views.release_table_csv,
        name="release_table_csv",
    ),
    path(
        "releases/<release:slug>/tables/<slug:measure>/<slug:table>/<period:period>/",
        views.release_table,
        name="release_table",
    ),
]
