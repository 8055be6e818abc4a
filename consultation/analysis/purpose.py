"""Whether the stated purpose of an identified export is a real sentence.

The data protection officer reads these purposes; "aaaaaaaaaaaaaaaaaaaaaaa" or "data data data
data data" says nothing about why personal data left the system. Linear in the text."""

import re

_WORD = re.compile(r"[^\W\d_]+")  # letters, any alphabet
MIN_WORDS = 5
MIN_DISTINCT = 4

PURPOSE_HELP = (
    "Say in a sentence who needs the personal data and why, for example: "
    "“Writing back to the people who asked for a reply about the Camden meeting”."
)


def purpose_problem(text: str) -> str:
    """ "" if `text` reads as a sentence stating a purpose, else what is wrong with it."""
    text = (text or "").strip()
    if len(text) < 20:
        return "Say why you need personal data, in at least 20 characters. " + PURPOSE_HELP
    words = [word.casefold() for word in _WORD.findall(text)]
    if len(words) < MIN_WORDS or len(set(words)) < MIN_DISTINCT:
        return "Write the purpose as a sentence of at least five words. " + PURPOSE_HELP
    letters = sum(len(word) for word in words)
    if letters * 2 < len(re.sub(r"\s", "", text)):
        return "Write the purpose in words, not codes or numbers. " + PURPOSE_HELP
    return ""
