from django.urls import path

from consultation.surveys import views

app_name = "surveys"
urlpatterns = [
    path("<slug:slug>/", views.start, name="start"),
    path("<slug:slug>/begin/", views.begin, name="begin"),
    path("<slug:slug>/page/<int:section_id>/", views.section, name="section"),
    path("<slug:slug>/questions/", views.one_page, name="one_page"),
    path("<slug:slug>/check-your-answers/", views.check, name="check"),
    path("<slug:slug>/confirmation/", views.confirmation, name="confirmation"),
    path("<slug:slug>/your-response/", views.my_response, name="my_response"),
]
