"""Folds of documents for cross-validation: what is chosen on some documents is scored on others.

A suspicious document and its sources form a group, and documents that share a source are one group, so no
fold ever holds a document, or a source, that another fold holds. Groups are shuffled with a seed and cut into
``k`` runs of consecutive groups. The cross-encoder's training holds its PAN validation documents out the same way
(``training.data.split_by_group``: the first groups of the same shuffle), so with the same seed the first fold of
``k`` folds is the documents a model trained with a validation share of ``1/k`` never saw.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

from plagdetect.errors import PlagDetectError

DEFAULT_SEED = 12  # the seed `plagdetect train cross-encoder` splits its PAN pairs with


def shuffled(groups: Iterable[str], seed: int) -> list[str]:
    """Group names in the order folds and training splits take them: sorted, then shuffled with ``seed``."""
    order = sorted(set(groups))
    random.Random(seed).shuffle(order)
    return order


def document_groups(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """The suspicious documents of each group, by the group's first suspicious document (sorted); documents that
    share a source are one group."""
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        while parent.setdefault(name, name) != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    pairs = list(pairs)
    for susp, src in pairs:
        parent[root("susp:" + susp)] = root("src:" + src)
    members: dict[str, list[str]] = {}
    for susp in sorted({susp for susp, _ in pairs}):
        members.setdefault(root("susp:" + susp), []).append(susp)
    return {names[0]: names for names in members.values()}


def document_folds(pairs: Iterable[tuple[str, str]], k: int, seed: int = DEFAULT_SEED) -> list[list[str]]:
    """The suspicious documents in ``k`` folds that share no document and no source (see the module docstring)."""
    groups = document_groups(pairs)
    if not 2 <= k <= len(groups):
        raise PlagDetectError(f"Cross-validation needs between 2 and {len(groups)} folds here (groups of documents).")
    order = shuffled(groups, seed)
    cuts = [round(i * len(order) / k) for i in range(k + 1)]
    return [sorted(name for group in order[a:b] for name in groups[group]) for a, b in zip(cuts, cuts[1:])]
