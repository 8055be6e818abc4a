"""The local demo: seed data for every app and the commands that load it.

Nothing in the apps imports this package (tests/talklondon/test_import_direction.py checks), and
production does not install it (DEMO in talklondon/settings.py). One module per area:
accounts (staff accounts with TOTP), consultation, surveys, analysis, statements and anpr.
`manage.py seed_demo` runs them in that order.
"""
