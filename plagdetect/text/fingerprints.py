"""Fingerprints of a text for finding word-for-word copies without any model: hashed character k-grams, winnowed.

A copied passage may come with other line breaks, words run together, look-alike letters of an OCR, other case.
So a text is first *folded*: case-folded, everything but letters and digits dropped (spaces too, so "run together"
and "runtogether" fold alike), and the look-alikes an OCR confuses mapped to one letter (``LOOK_ALIKES``).
Each run of ``K`` folded characters is hashed; of every ``W`` consecutive hashes the smallest is kept
(winnowing, Schleimer, Wilkerson & Aiken, SIGMOD 2003). Two texts that share a run of at least ``K + W - 1``
folded characters then share at least one fingerprint, and a text keeps about ``2 / (W + 1)`` of its positions.

The k-grams are at least as long as the window (``K >= W``), so the kept fingerprints of a copied stretch
overlap one another: together they cover the stretch but for up to ``W - 1`` characters at its start. That is
what lets ``detection.lexical`` say, sentence by sentence, how much of a sentence was copied.

``VERSION`` names the scheme; stored fingerprints of another version are made again (``store.fingerprints``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

K = 25  # folded characters per k-gram: about five words
W = 12  # window of the winnowing: any shared run of K + W - 1 = 36 folded characters is found
VERSION = f"chars-k{K}-w{W}-v1"

# Letters and digits an OCR confuses, folded to one of them. Pairs of letters ("rn" for "m") are left alone:
# folding them would move offsets by a character, and a k-gram spans enough letters to survive one such change.
LOOK_ALIKES = {"0": "o", "1": "l", "i": "l", "|": "l", "5": "s"}

_MULTIPLIER = np.uint64(0x100000001B3)  # the FNV-1a prime: an odd multiplier for the rolling polynomial


@dataclass(frozen=True)
class Folded:
    """A text folded for fingerprinting: ``codes`` (one per kept character) and where each sits in the text."""

    codes: np.ndarray  # uint64 code points of the folded characters
    positions: np.ndarray  # int64 offset in the text of each folded character


@dataclass(frozen=True)
class Fingerprints:
    """The winnowed fingerprints of a text: ``hashes`` and the text span of each one's k-gram."""

    hashes: np.ndarray  # int64
    starts: np.ndarray  # int64 offsets in the text: the k-gram's first character
    ends: np.ndarray  # int64 offsets in the text: one past the k-gram's last character

    def __len__(self) -> int:
        return len(self.hashes)


def fold(text: str) -> Folded:
    """The letters and digits of ``text``, case-folded, look-alikes mapped, with their offsets in ``text``."""
    codes: list[int] = []
    positions: list[int] = []
    for position, char in enumerate(text):
        if not char.isalnum():
            continue
        for folded in char.casefold():  # "ß" folds to "ss": both at the same offset
            folded = LOOK_ALIKES.get(folded, folded)
            codes.append(ord(folded))
            positions.append(position)
    return Folded(np.array(codes, dtype=np.uint64), np.array(positions, dtype=np.int64))


def kgram_hashes(codes: np.ndarray, k: int = K) -> np.ndarray:
    """The hash of each run of ``k`` codes (``len(codes) - k + 1`` of them), mixed so their order is random."""
    count = len(codes) - k + 1
    if count <= 0:
        return np.empty(0, dtype=np.uint64)
    with np.errstate(over="ignore"):  # arithmetic modulo 2**64 on purpose
        hashes = np.zeros(count, dtype=np.uint64)
        for j in range(k):
            hashes = hashes * _MULTIPLIER + codes[j : j + count]
        return _mix(hashes)


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every bit of the result depends on every bit of the value."""
    with np.errstate(over="ignore"):
        values = (values ^ (values >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        values = (values ^ (values >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return values ^ (values >> np.uint64(31))


def winnow(hashes: np.ndarray, w: int = W) -> np.ndarray:
    """Indices of the hashes winnowing keeps: in each window of ``w``, the smallest (the rightmost of equals)."""
    if len(hashes) == 0:
        return np.empty(0, dtype=np.int64)
    if len(hashes) <= w:
        return np.array([len(hashes) - 1 - int(np.argmin(hashes[::-1]))], dtype=np.int64)
    windows = np.lib.stride_tricks.sliding_window_view(hashes, w)
    rightmost_min = w - 1 - np.argmin(windows[:, ::-1], axis=1)
    return np.unique(np.arange(len(windows)) + rightmost_min)


def fingerprints(text: str, k: int = K, w: int = W) -> Fingerprints:
    """The winnowed fingerprints of ``text``, each with its k-gram's span in ``text``."""
    folded = fold(text)
    hashes = kgram_hashes(folded.codes, k)
    kept = winnow(hashes, w)
    return Fingerprints(
        hashes=hashes[kept].view(np.int64),  # the database stores signed 64-bit integers
        starts=folded.positions[kept],
        ends=folded.positions[kept + k - 1] + 1 if len(kept) else np.empty(0, dtype=np.int64),
    )
