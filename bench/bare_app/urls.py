"""One view answering every captured path with its captured bytes and content type.

BENCH_BARE_PAGES names a JSON manifest: [{"path": "/anpr/", "file": "...", "content_type": "..."}].
"""

import json
import os
from pathlib import Path

from django.http import Http404, HttpResponse
from django.urls import re_path


def _load() -> dict[str, tuple[bytes, str]]:
    manifest = Path(os.environ["BENCH_BARE_PAGES"])
    pages = {}
    for page in json.loads(manifest.read_text()):
        pages[page["path"]] = (Path(page["file"]).read_bytes(), page["content_type"])
    return pages


PAGES = _load()


def captured(request, rest=""):
    try:
        content, content_type = PAGES[request.path]
    except KeyError:
        raise Http404 from None
    return HttpResponse(content, content_type=content_type)


urlpatterns = [re_path(r"^(?P<rest>.*)$", captured)]
