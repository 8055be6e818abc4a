from django.shortcuts import render


def dashboard(request):
    return render(request, "anpr_info/dashboard.html", {})
