"""The house rules for comments, as data, so that moderators can cite a rule by its number.

Each rule is (code, title, explanation). The house rules page renders this list, and moderation
decisions store and show the code ("Removed under rule 2: no personal information").
"""

from typing import NamedTuple


class HouseRule(NamedTuple):
    code: str
    title: str
    explanation: str


HOUSE_RULES: list[HouseRule] = [
    HouseRule(
        "1",
        "Be civil",
        "Disagree with ideas, not with people. No insults, threats, harassment, or abuse "
        "aimed at anyone, including other commenters, police officers, staff or public "
        "figures. Comments that attack someone because of their race, religion, sex, "
        "sexual orientation, gender identity, disability or age will be removed.",
    ),
    HouseRule(
        "2",
        "Do not share personal information",
        "Do not post anything that could identify a private individual: names linked to "
        "allegations, addresses, phone numbers, email addresses, photos, or vehicle number "
        "plates. This includes your own details: other people can read everything you post.",
    ),
    HouseRule(
        "3",
        "Stay on topic",
        "Keep comments about the consultation you are commenting on. Off-topic posts make "
        "the discussion harder to follow and harder for the team to learn from.",
    ),
    HouseRule(
        "4",
        "No spam or advertising",
        "Do not advertise products, services, petitions or campaigns, post the same comment "
        "many times, or post links that are there only to bring traffic to another site.",
    ),
    HouseRule(
        "5",
        "Nothing illegal",
        "Do not post anything that breaks the law, such as content that is defamatory, "
        "in contempt of court, incites violence or crime, or infringes copyright. Do not "
        "discuss live criminal cases in a way that could prejudice them.",
    ),
    HouseRule(
        "6",
        "Do not pretend to be someone else",
        "Do not pretend to be another person, a police officer, a member of staff at City "
        "Hall or MOPAC, or an organisation you do not represent, and do not use more than "
        "one account to make your view look more popular.",
    ),
]


def house_rule(code: str) -> HouseRule | None:
    """The rule with this code, or None."""
    for rule in HOUSE_RULES:
        if rule.code == code:
            return rule
    return None


def house_rule_choices() -> list[tuple[str, str]]:
    """Form choices such as ("2", "Rule 2: Do not share personal information")."""
    return [(rule.code, f"Rule {rule.code}: {rule.title}") for rule in HOUSE_RULES]
