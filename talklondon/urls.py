from django.contrib import admin
from django.urls import include, path

from talklondon import views
from talklondon.house_rules import HOUSE_RULES

staff_patterns = [
    path("", views.staff_home, name="home"),
]

urlpatterns = [
    # The home page lists consultations, so the consultation app serves it (URL name "home").
    path("", include("consultation.home_urls")),
    path("privacy/", views.privacy, name="privacy"),
    path(
        "accessibility/",
        views.page("accessibility", "Accessibility statement"),
        name="accessibility",
    ),
    path("cookies/", views.page("cookies", "Cookies"), name="cookies"),
    path(
        "house-rules/",
        views.page("house_rules", "House rules for comments", {"rules": HOUSE_RULES}),
        name="house_rules",
    ),
    path("contact/", views.page("contact", "Contact us"), name="contact"),
    path("accounts/", include("allauth.urls")),
    path("account/", include("talklondon.account_urls")),
    path("staff/", include((staff_patterns, "staff"))),
    path("staff/consultations/", include("consultation.staff_urls")),
    path("staff/surveys/", include("consultation.surveys.staff_urls")),
    path("staff/anpr/", include("anpr_info.staff_urls")),
    path("staff/statements/", include("consultation.statements.staff_urls")),
    path("staff/analysis/", include("consultation.analysis.staff_urls")),
    path("results/", include("consultation.analysis.urls")),
    # Before consultation.urls, whose "<slug>/<page_slug>/" would take "statements".
    path("consultations/<slug:slug>/statements/", include("consultation.statements.urls")),
    path("consultations/", include("consultation.urls")),
    path("surveys/", include("consultation.surveys.urls")),
    path("anpr/", include("anpr_info.urls")),
    path("api/", include("anpr_info.api_urls")),
    path("django-admin/", admin.site.urls),
]

handler404 = "talklondon.views.error_404"
handler500 = "talklondon.views.error_500"
# allauth's rate limits answer with this view, so throttling looks like the rest of the site.
handler429 = "talklondon.views.rate_limited"
# A request Django refuses before any view (over-size body): problem details on /api/.
handler400 = "talklondon.views.error_400"
