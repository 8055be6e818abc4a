"""Template filters for personal data: a keyed digest is never shown in full."""

from django import template

from talklondon.digests import digest_shown as _digest_shown

register = template.Library()


@register.filter
def digest_shown(digest: str) -> str:
    """`{{ finding.digest|digest_shown }}`: the start of a digest, never the whole of it."""
    return _digest_shown(digest or "")
