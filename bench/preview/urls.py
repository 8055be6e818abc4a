"""The site's urls, with the public read pages served through the anonymous page cache.

The cached routes come first and shadow the originals; every other route (and every url name
used for reversing) is the site's own.
"""

from django.urls import path

from anpr_info import views as anpr_views
from talklondon import urls as site_urls
from talklondon import views as site_views
from talklondon.page_cache import cache_anonymous_page

urlpatterns = [
    path("", cache_anonymous_page("consultations")(site_views.home)),
    path("anpr/", cache_anonymous_page("anpr")(anpr_views.dashboard)),
    *site_urls.urlpatterns,
]
