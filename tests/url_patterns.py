"""Every URL pattern the resolver knows, with its full name and route: the role x URL matrix
(tests/talklondon/test_url_matrix.py) and the staff pages benchmark enumerate URLs with it,
so a new URL is covered by both without being listed."""

from django.urls import URLPattern, URLResolver, get_resolver


def every_url_pattern():
    """(namespace:name or None, route, pattern) for every pattern, in the resolver's order."""

    def walk(patterns, prefix="", namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = namespace
                if pattern.namespace:
                    ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
            elif isinstance(pattern, URLPattern):
                name = pattern.name and (
                    f"{namespace}:{pattern.name}" if namespace else pattern.name
                )
                yield name, prefix + str(pattern.pattern), pattern

    yield from walk(get_resolver().url_patterns)
