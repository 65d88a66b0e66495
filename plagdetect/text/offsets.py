"""The way back from a normalised text to the text as extracted: ``OffsetMap``, stored as compact bytes.

Normalisation (``normalize.py``) removes, merges and replaces characters; an ``OffsetMap`` leads each offset of the
normalised text back to the original, so a match found in the normalised text is highlighted in the original.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

_MAGIC = b"PDOM"
_VERSION = 1
# magic, version, normalized_length, original_length, number of start / end breakpoints
_HEADER = struct.Struct("<4sB3xqqqq")


def _int32_array(values: Any) -> np.ndarray:
    array = np.array(values, dtype=np.int32).reshape(-1)
    array.setflags(write=False)
    return array


def _piecewise(norm_pos: np.ndarray, orig_pos: np.ndarray, offset: int) -> int:
    """Value at ``offset`` of the mapping given by breakpoints, linear (slope 1) in between."""
    k = int(np.searchsorted(norm_pos, offset, side="right")) - 1
    return int(orig_pos[k]) + (offset - int(norm_pos[k]))


@dataclass(frozen=True, eq=False)
class OffsetMap:
    """Maps offsets in the normalised text to offsets in the original text.

    Stored compactly as breakpoints: ``norm_pos`` / ``orig_pos`` (int32) hold the normalised
    positions where the mapping is not "previous + 1", and the original offset there; in between
    it is linear. ``norm_pos[0]`` is 0 whenever the normalised text is not empty. This is where
    each normalised character *starts* in the original.

    ``end_norm_pos`` / ``end_orig_pos`` hold, the same way, where each normalised character's
    source *ends* in the original (exclusive). They differ from "start + 1" only for characters
    made from several original ones ("e" + combining accent, "\\r\\n"). Left out (None), they
    are taken as start + 1, which is right for maps where every character comes from one.
    """

    norm_pos: np.ndarray
    orig_pos: np.ndarray
    normalized_length: int
    original_length: int
    end_norm_pos: np.ndarray | None = None
    end_orig_pos: np.ndarray | None = None

    def __post_init__(self) -> None:
        norm = _int32_array(self.norm_pos)
        orig = _int32_array(self.orig_pos)
        if self.end_norm_pos is None or self.end_orig_pos is None:
            end_norm, end_orig = norm, _int32_array(orig.astype(np.int64) + 1)
        else:
            end_norm, end_orig = _int32_array(self.end_norm_pos), _int32_array(self.end_orig_pos)
        for name, value in (
            ("norm_pos", norm),
            ("orig_pos", orig),
            ("end_norm_pos", end_norm),
            ("end_orig_pos", end_orig),
        ):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "normalized_length", int(self.normalized_length))
        object.__setattr__(self, "original_length", int(self.original_length))
        if len(norm) != len(orig) or len(end_norm) != len(end_orig):
            raise ValueError("OffsetMap breakpoint arrays must come in pairs of equal length.")
        if self.normalized_length > 0 and not (len(norm) and norm[0] == 0 and len(end_norm) and end_norm[0] == 0):
            raise ValueError("OffsetMap breakpoints must start at normalised offset 0.")

    @classmethod
    def identity(cls, length: int) -> OffsetMap:
        """The map of a text that normalisation left unchanged."""
        if length == 0:
            return cls(np.zeros(0), np.zeros(0), 0, 0)
        return cls(np.zeros(1), np.zeros(1), length, length)

    def to_original(self, offset: int) -> int:
        """Original offset where the normalised character at ``offset`` comes from.

        ``offset`` may be ``normalized_length`` (the end), which maps to ``original_length``.
        """
        if not 0 <= offset <= self.normalized_length:
            raise ValueError(f"offset {offset} outside [0, {self.normalized_length}]")
        if offset == self.normalized_length:
            return self.original_length
        return _piecewise(self.norm_pos, self.orig_pos, offset)

    def to_normalized(self, original: int) -> int:
        """The first normalised offset whose character comes from ``original`` or after it: the way back from a
        place in the original, where the character there may have been removed or folded (a ligature "fi": the
        "f")."""
        if not 0 <= original <= self.original_length:
            raise ValueError(f"offset {original} outside [0, {self.original_length}]")
        low, high = 0, self.normalized_length  # to_original is non-decreasing: the first offset at or past it
        while low < high:
            middle = (low + high) // 2
            if self.to_original(middle) >= original:
                high = middle
            else:
                low = middle + 1
        return low

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        """The original span ``[start', end')`` covering every character of normalised ``[start, end)``.

        A character made of several original ones (a letter and its combining accent) covers
        them all; a character that is part of an expansion (the "i" of the ligature "ﬁ") covers
        the one original character it came from. An empty span maps to an empty span.
        """
        if not 0 <= start <= end <= self.normalized_length:
            raise ValueError(f"span [{start}, {end}) outside [0, {self.normalized_length}]")
        original_start = self.to_original(start)
        if start == end:
            return original_start, original_start
        return original_start, _piecewise(self.end_norm_pos, self.end_orig_pos, end - 1)

    def to_bytes(self) -> bytes:
        """Compact serialisation: a small header, then the four breakpoint arrays (little-endian int32)."""
        header = _HEADER.pack(
            _MAGIC, _VERSION, self.normalized_length, self.original_length, len(self.norm_pos), len(self.end_norm_pos)
        )
        arrays = (self.norm_pos, self.orig_pos, self.end_norm_pos, self.end_orig_pos)
        return header + b"".join(a.astype("<i4").tobytes() for a in arrays)

    @classmethod
    def from_bytes(cls, data: bytes) -> OffsetMap:
        """Inverse of ``to_bytes``."""
        if len(data) < _HEADER.size:
            raise ValueError("not an OffsetMap: too short")
        magic, version, normalized_length, original_length, n_starts, n_ends = _HEADER.unpack_from(data)
        if magic != _MAGIC or version != _VERSION:
            raise ValueError("not an OffsetMap (bad magic or version)")
        if len(data) != _HEADER.size + 8 * (n_starts + n_ends):
            raise ValueError("OffsetMap data has the wrong length")
        values = np.frombuffer(data, dtype="<i4", offset=_HEADER.size)
        cuts = np.cumsum([n_starts, n_starts, n_ends])
        norm, orig, end_norm, end_orig = np.split(values, cuts)
        return cls(norm, orig, normalized_length, original_length, end_norm, end_orig)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, OffsetMap):
            return NotImplemented
        return (
            self.normalized_length == other.normalized_length
            and self.original_length == other.original_length
            and all(
                np.array_equal(getattr(self, name), getattr(other, name))
                for name in ("norm_pos", "orig_pos", "end_norm_pos", "end_orig_pos")
            )
        )

    __hash__ = None  # type: ignore[assignment]


class OffsetMapBuilder:
    """Collects OffsetMap breakpoints while the normalised text is produced left to right."""

    def __init__(self) -> None:
        self.length = 0  # normalised characters produced so far
        self.starts: tuple[list[int], list[int]] = ([], [])
        self.ends: tuple[list[int], list[int]] = ([], [])
        self._next_start: int | None = None  # values the next character has if the mapping stays linear
        self._next_end: int | None = None

    def _add(self, start: int, end: int) -> None:
        if start != self._next_start:
            self.starts[0].append(self.length)
            self.starts[1].append(start)
        if end != self._next_end:
            self.ends[0].append(self.length)
            self.ends[1].append(end)

    def add_copy(self, original_start: int, count: int) -> None:
        """``count`` characters copied one to one from ``original_start``."""
        if count <= 0:
            return
        self._add(original_start, original_start + 1)
        self.length += count
        self._next_start, self._next_end = original_start + count, original_start + count + 1

    def add_cluster(self, original_start: int, original_end: int, count: int) -> None:
        """``count`` characters that all come from original ``[original_start, original_end)``."""
        for _ in range(count):
            self._add(original_start, original_end)
            self.length += 1
            self._next_start, self._next_end = original_start + 1, original_end + 1

    def build(self, original_length: int) -> OffsetMap:
        return OffsetMap(*self.starts, self.length, original_length, *self.ends)
