"""The production settings with the anonymous page cache wired onto today's public pages.

Only for `read_spike.py --page-cache-preview`: it shows what `cache_anonymous_page` gains before
the views themselves are decorated (see bench/README.md). Nothing else differs.
"""

from talklondon.settings import *  # noqa: F403

ROOT_URLCONF = "bench.preview.urls"
