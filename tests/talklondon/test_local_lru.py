"""The per-process copies (pages, routes, survey structures) stay within their bound."""

from talklondon.local_lru import LocalLRU


def test_the_least_recently_stored_entry_goes_first():
    store = LocalLRU(2)
    store.put("a", 1)
    store.put("b", 2)
    store.put("a", 3)  # stored again: now the most recent
    store.put("c", 4)
    assert store.get("b") is None
    assert (store.get("a"), store.get("c")) == (3, 4)
    store.clear()
    assert store.get("a", "gone") == "gone"
