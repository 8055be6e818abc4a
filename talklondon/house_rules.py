"""The house rules for comments, as data, so that moderators can cite a rule by its number.

The one list of them: the house rules page, the moderation forms and services, the emails that
tell people why a comment was removed, the staff and public pages, the exports and the
personal-data download all read it. Each rule is (code, title, explanation). Moderation
decisions store the code ("2"), never the words, so a code must keep its meaning for as long
as decisions citing it are kept: reword a rule freely, but never renumber one.
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


def house_rule_title(code: str) -> str:
    """'2. Do not share personal information' for a code, or the code itself if it is unknown
    (a decision recorded under a rule that has since been withdrawn)."""
    rule = house_rule(code)
    return f"{rule.code}. {rule.title}" if rule else code


# For the moderators' forms: ("2", "2. Do not share personal information").
HOUSE_RULE_CHOICES: list[tuple[str, str]] = [
    (rule.code, house_rule_title(rule.code)) for rule in HOUSE_RULES
]
