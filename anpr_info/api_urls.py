from django.urls import path
from drf_spectacular.views import SpectacularAPIView

import talklondon.converters  # noqa: F401  (registers <period:> and <release:>)
from anpr_info import api_views, ingest_api
from anpr_info.api_filters import ObservationFilter
from anpr_info.services.releases import PAGE_CACHE_NAMESPACE
from talklondon.page_cache import cache_anonymous_page

# The lists everyone polls are served to anonymous callers from the page cache for a few
# seconds (invalidated on publication). Underneath, CachedAPIView keeps the data itself until the
# next publication, so a page-cache miss only re-renders JSON; the two are never out of step
# because a publication invalidates both, the data first.
# Only requests whose query names no unknown parameter are stored (the views answer 400 to
# those anyway), keyed on the query in one order.
cached = cache_anonymous_page(PAGE_CACHE_NAMESPACE, params=())
cached_observations = cache_anonymous_page(
    PAGE_CACHE_NAMESPACE, params=(*ObservationFilter.base_filters, "page")
)

app_name = "anpr_api"
urlpatterns = [
    path("v1/measures/", cached(api_views.MeasureList.as_view()), name="measure_list"),
    path("v1/measures/<slug:code>/", api_views.MeasureDetail.as_view(), name="measure_detail"),
    path(
        "v1/measures/<slug:code>/figures/",
        api_views.MeasureFigures.as_view(),
        name="measure_figures",
    ),
    path("v1/releases/", cached(api_views.ReleaseList.as_view()), name="release_list"),
    path("v1/releases/<release:slug>/", api_views.ReleaseDetail.as_view(), name="release_detail"),
    path(
        "v1/releases/<release:slug>/manifest/",
        api_views.ReleaseManifest.as_view(),
        name="release_manifest",
    ),
    path(
        "v1/releases/<release:slug>/tables/",
        api_views.ReleaseTables.as_view(),
        name="release_tables",
    ),
    path(
        "v1/releases/<release:slug>/tables/<slug:measure>/<slug:table>/<period:period>/",
        api_views.ReleaseTableView.as_view(),
        name="release_table",
    ),
    path("v1/chain/", cached(api_views.Chain.as_view()), name="chain"),
    path(
        "v1/observations/",
        cached_observations(api_views.ObservationList.as_view()),
        name="observation_list",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", api_views.api_docs, name="docs"),
    path("ingest/v1/returns/", ingest_api.IngestReturns.as_view(), name="ingest_returns"),
    path("ingest/v1/schema/", ingest_api.ingest_schema_index, name="ingest_schema_index"),
    path("ingest/v1/schema/<slug:dataset>.json", ingest_api.ingest_schema, name="ingest_schema"),
]
