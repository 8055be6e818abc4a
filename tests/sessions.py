"""A session as allauth leaves it after the password and the TOTP code: shared by the tests'
`force_login` (tests/conftest.py) and the staff pages benchmark, which sign staff in without
posting the forms."""

import time


def mark_second_factor_passed(session, *, user_id: int, authenticator_id: int) -> None:
    """Record, as allauth does, that this person gave their password and their TOTP code just
    now, so pages that ask for a recent second factor let them through."""
    now = time.time()
    session["account_authentication_methods"] = [
        {"method": "password", "at": now},
        {"method": "mfa", "at": now, "id": authenticator_id, "type": "totp"},
    ]
    session["account_authentication_methods_user"] = str(user_id)
    session.save()
