"""Suggest candidate themes in free-text answers with TF-IDF and NMF.

Suggestions only: a person accepts, renames or rejects each one (services/themes.py), and
nothing is tagged without a person. The same texts and `random_state` give the same suggestions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

# Called with (stages done, stages in all): reading the words, fitting NMF, picking quotes.
Progress = Callable[[int, int], None]
STAGES = 3


@dataclass(frozen=True)
class ThemeSuggestion:
    """A candidate theme: its top terms, how many answers lean on it, and example quotes."""

    label: str
    terms: tuple[str, ...]
    size: int
    quotes: tuple[tuple[int, str], ...] = field(default_factory=tuple)  # (item id, text)


def suggest_themes(
    items: Sequence[tuple[int, str]],
    *,
    n_themes: int = 6,
    n_terms: int = 8,
    n_quotes: int = 3,
    random_state: int = 0,
    on_progress: Progress | None = None,
) -> list[ThemeSuggestion]:
    """Candidate themes for `items` [(item id, text)], largest first.

    TF-IDF over words and two-word phrases (English stop words removed), then NMF with a fixed
    seed. Each answer counts towards the theme it weighs most on; quotes are the answers that
    weigh most on each theme. Returns [] when there is too little text to find anything.
    `on_progress(stage, STAGES)` is called as each stage ends.
    """

    def report(stage: int) -> None:
        if on_progress is not None:
            on_progress(stage, STAGES)

    items = [(item_id, text) for item_id, text in items if text and text.strip()]
    if len(items) < 3:
        return []
    # scikit-learn (and scipy under it) loads here, in the task that suggests themes, rather
    # than in every web worker that imports the analysis views.
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [text for _, text in items]
    vectorizer = TfidfVectorizer(
        stop_words="english",
        ngram_range=(1, 2),
        min_df=2 if len(texts) >= 20 else 1,
        max_df=0.95,
        sublinear_tf=True,
        strip_accents="unicode",
    )
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # nothing but stop words
        return []
    report(1)
    n_components = max(1, min(n_themes, matrix.shape[0] - 1, matrix.shape[1]))
    model = NMF(
        n_components=n_components,
        init="nndsvda",
        random_state=random_state,
        max_iter=500,
    )
    weights = model.fit_transform(matrix)
    report(2)
    vocabulary = vectorizer.get_feature_names_out()
    dominant = weights.argmax(axis=1)
    has_weight = weights.max(axis=1) > 0

    suggestions = []
    for component in range(n_components):
        term_order = np.argsort(-model.components_[component], kind="stable")[:n_terms]
        terms = tuple(str(vocabulary[i]) for i in term_order if model.components_[component][i] > 0)
        if not terms:
            continue
        members = np.flatnonzero((dominant == component) & has_weight)
        if members.size == 0:
            continue
        quote_order = members[np.argsort(-weights[members, component], kind="stable")]
        quotes = tuple(items[i] for i in quote_order[:n_quotes])
        suggestions.append(
            ThemeSuggestion(
                label=", ".join(terms[:3]), terms=terms, size=int(members.size), quotes=quotes
            )
        )
    suggestions.sort(key=lambda s: (-s.size, s.label))
    report(3)
    return suggestions
