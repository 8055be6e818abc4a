"""The bare-Django ceiling: Django with no apps, no middleware and no database.

It serves the bytes the read-spike benchmark captured from the real site (see urls.py), through
the same gunicorn configuration, so the difference to the real site is what our middleware,
views, queries and templates cost.
"""

import os

SECRET_KEY = os.environ["SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.bare_app.urls"
WSGI_APPLICATION = "bench.bare_app.wsgi.application"
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
DATABASES: dict = {}
TEMPLATES: list = []
USE_TZ = True
USE_I18N = False
LOGGING_CONFIG = None
