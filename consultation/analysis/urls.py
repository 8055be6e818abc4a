"""Public results pages. The published results page itself needs the survey models (see README);
its CSV downloads use consultation.analysis.suppression."""

app_name = "results"
urlpatterns: list = []
