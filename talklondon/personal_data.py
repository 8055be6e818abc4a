"""Registry through which each app declares the personal data it holds about a person.

The site app owns accounts and profiles; other apps (comments, survey responses, ...) hold more.
So that "download my data", "delete my account" and the retention job cover everything, each app
registers up to three callables, usually from its `AppConfig.ready()`:

    from talklondon import personal_data

    personal_data.register_exporter("comments", comments_for_export)
    personal_data.register_eraser("comments", comments_erase)
    personal_data.register_participation("comments", comment_participation_ends)

- exporter: `func(user) -> JSON-serialisable data` (dicts, lists, str, numbers, dates). Shown in
  the download under `apps[name]`. Never include other people's personal data.
- eraser: `func(*, user, remove_content: bool) -> None`. Called inside the erasure transaction,
  BEFORE the account itself is anonymised (so the user row still has its email). It must remove
  or anonymise everything personal the app holds for `user`; when `remove_content` is true it
  also removes the person's public contributions (comments), otherwise those stay and are shown
  as "Deleted account". Survey answers stay only in anonymised form (unlinked from the user).
  Must be idempotent.
- participation: `func() -> iterable of (user_id, ended_at)`: for each person who took part, when
  their participation ended (usually the consultation's `closes_at`, which may be in the future
  while the consultation is open). The retention job takes, per person, the LATEST end across all
  apps and erases the account `PERSONAL_DATA_RETENTION_MONTHS` after it.
"""

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

Exporter = Callable[[Any], Any]
Eraser = Callable[..., None]
ParticipationSource = Callable[[], Iterable[tuple[int, datetime]]]

_exporters: dict[str, Exporter] = {}
_erasers: dict[str, Eraser] = {}
_participation: dict[str, ParticipationSource] = {}


def register_exporter(name: str, func: Exporter) -> None:
    """Add `func(user)` to the "download my data" file under `apps[name]`."""
    _exporters[name] = func


def register_eraser(name: str, func: Eraser) -> None:
    """Call `func(user=..., remove_content=...)` whenever an account is erased."""
    _erasers[name] = func


def register_participation(name: str, func: ParticipationSource) -> None:
    """Declare who took part in this app and when their participation ended."""
    _participation[name] = func


def unregister(name: str) -> None:
    """Remove every callable registered under `name` (used by tests)."""
    _exporters.pop(name, None)
    _erasers.pop(name, None)
    _participation.pop(name, None)


def exporters() -> dict[str, Exporter]:
    return dict(_exporters)


def erasers() -> dict[str, Eraser]:
    return dict(_erasers)


def participation_sources() -> dict[str, ParticipationSource]:
    return dict(_participation)
