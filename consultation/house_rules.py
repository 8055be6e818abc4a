"""House rules that moderators cite when they remove a comment.

Kept here as data so the moderation desk does not wait for the site-wide house rules page;
the lead will unify them with `talklondon/house_rules.py` later.
"""

HOUSE_RULES: list[tuple[str, str]] = [
    ("1", "Be civil"),
    ("2", "No personal information"),
    ("3", "Stay on topic"),
    ("4", "No spam or advertising"),
    ("5", "Nothing unlawful"),
    ("6", "No impersonation"),
]

HOUSE_RULE_DESCRIPTIONS: dict[str, str] = {
    "1": "Disagree with ideas, not people. No insults, threats, harassment or hateful language.",
    "2": (
        "Do not share anyone's personal information, including your own: names with "
        "addresses, email addresses, phone numbers or vehicle registration marks."
    ),
    "3": "Keep to the subject of the consultation page you are commenting on.",
    "4": "No advertising, promotion, chain messages or repeated posts.",
    "5": "Nothing that breaks the law, such as contempt of court, defamation or incitement.",
    "6": "Do not pretend to be someone else or to speak for an organisation you do not represent.",
}

HOUSE_RULE_CHOICES = [(code, f"{code}. {title}") for code, title in HOUSE_RULES]


def house_rule_title(code: str) -> str:
    """'2. No personal information' for a code, or the code itself if it is unknown."""
    return dict(HOUSE_RULE_CHOICES).get(code, code)
