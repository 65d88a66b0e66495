"""The ``VectorIndex`` contract: every registered backend, built by ``make_index``, passes each test here.

What only one backend does (its files, its slots) is tested in ``test_index_<backend>.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from plagdetect.errors import PlagDetectError
from plagdetect.index import BACKENDS, VectorIndex, make_index
from plagdetect.settings import Settings

DIM = 16
VERSION = "test-model-000000000000+sentmean1"

OpenIndex = Callable[[], VectorIndex]


def unit_vectors(count: int, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((count, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture(params=sorted(BACKENDS))
def open_index(request: pytest.FixtureRequest, settings: Settings) -> OpenIndex:
    """Opens one backend's index in the test's data directory; each call is a new instance, as another process."""
    return lambda: make_index(replace(settings, index_backend=request.param), VERSION, DIM)


def filled(open_index: OpenIndex, count: int = 100) -> tuple[VectorIndex, np.ndarray]:
    index = open_index()
    vectors = unit_vectors(count)
    with index.writing():
        index.add(np.arange(1, count + 1), vectors)
    return index, vectors


def make_unreadable(path: Path) -> None:
    """Overwrite a saved index (a file, or every file in a folder) with bytes no backend can read."""
    for file in [f for f in path.rglob("*") if f.is_file()] if path.is_dir() else [path]:
        file.write_bytes(b"not an index at all")


# ----- the interface ---------------------------------------------------------------------------------------


def test_the_interface_names_everything_a_user_of_an_index_needs() -> None:
    members = set(VectorIndex.__annotations__) | {
        name for name, value in vars(VectorIndex).items() if callable(value) or isinstance(value, property)
    }
    expected = {"path", "dim", "load_failed", "deleted_fraction", "__len__", "ids", "add", "remove", "search"}
    assert expected | {"clear", "writing", "refresh"} <= members
    assert not isinstance(object(), VectorIndex)


def test_an_unknown_backend_is_refused(settings: Settings) -> None:
    with pytest.raises(PlagDetectError, match="Unknown index backend 'faiss' \\(known: .*hnsw"):
        make_index(replace(settings, index_backend="faiss"), VERSION, DIM)


# ----- every backend ---------------------------------------------------------------------------------------


def test_a_new_index_is_a_vector_index_and_empty(open_index: OpenIndex, settings: Settings) -> None:
    index = open_index()
    assert isinstance(index, VectorIndex)
    assert index.dim == DIM and not index.load_failed
    assert len(index) == 0 and index.ids() == set() and index.deleted_fraction == 0.0
    with index.writing():
        pass
    assert index.path.exists() and settings.index_dir in index.path.parents  # saved where the settings say


def test_search_finds_each_vector_itself_first(open_index: OpenIndex) -> None:
    index, vectors = filled(open_index)
    ids, scores = index.search(vectors[:10], k=3)
    assert ids[:, 0].tolist() == list(range(1, 11))
    assert np.allclose(scores[:, 0], 1.0, atol=1e-5)
    assert (np.diff(scores, axis=1) <= 1e-6).all()  # best first


def test_k_is_clamped_to_the_live_count_and_an_empty_index_returns_nothing(open_index: OpenIndex) -> None:
    index = open_index()
    ids, scores = index.search(unit_vectors(2), k=5)
    assert ids.shape == (2, 0) and scores.shape == (2, 0)
    with index.writing():
        index.add(np.array([7, 8]), unit_vectors(2))
        index.remove(np.array([8]))
    ids, _ = index.search(unit_vectors(1, seed=3), k=10)
    assert ids.tolist() == [[7]]


def test_saved_index_is_read_by_another_instance(open_index: OpenIndex) -> None:
    index, vectors = filled(open_index, 50)
    other = open_index()
    assert other.ids() == set(range(1, 51))
    assert other.search(vectors[4], k=1)[0][0, 0] == 5


def test_grows_past_its_initial_capacity(open_index: OpenIndex) -> None:
    index, vectors = filled(open_index, 3000)
    assert len(index) == 3000
    assert index.search(vectors[2999], k=1)[0][0, 0] == 3000


def test_removed_vectors_are_gone_from_search_and_from_the_saved_index(open_index: OpenIndex) -> None:
    index, vectors = filled(open_index, 20)
    with index.writing():
        index.remove(np.array([3, 4]))
        index.remove(np.array([4, 12345]))  # removed already, or never there: nothing to do
    assert 3 not in index.search(vectors[2], k=20)[0][0]
    assert len(index) == 18 and 3 not in index.ids()
    reopened = open_index()
    assert reopened.ids() == set(range(1, 21)) - {3, 4}
    assert 0.0 <= index.deleted_fraction <= 1.0


def test_a_deleted_id_can_be_added_again(open_index: OpenIndex) -> None:
    index, vectors = filled(open_index, 10)
    with index.writing():
        index.remove(np.array([1, 2]))
        index.add(np.array([2, 11]), vectors[[1, 0]])
    assert index.ids() == set(range(2, 12))
    assert index.search(vectors[1], k=1)[0][0, 0] == 2
    assert open_index().ids() == set(range(2, 12))


def test_adding_a_known_id_replaces_its_vector(open_index: OpenIndex) -> None:
    index, vectors = filled(open_index, 10)
    with index.writing():
        index.add(np.array([5]), vectors[[0]])
    assert len(index) == 10
    assert set(index.search(vectors[0], k=2)[0][0]) == {1, 5}


def test_a_reader_sees_what_another_process_saved(open_index: OpenIndex) -> None:
    reader, vectors = filled(open_index, 10)
    writer = open_index()
    with writer.writing():
        writer.add(np.array([99]), unit_vectors(1, seed=9))
        writer.remove(np.array([1]))
    reader.refresh()
    assert reader.ids() == (set(range(2, 11)) | {99})
    with reader.writing():  # a writer starts from the latest saved state
        reader.add(np.array([100]), unit_vectors(1, seed=10))
    writer.refresh()
    assert writer.ids() == (set(range(2, 11)) | {99, 100})


def test_an_index_whose_file_is_removed_meanwhile_keeps_serving_what_it_loaded(open_index: OpenIndex) -> None:
    """A check that began before a bi-encoder switch retired its version's index file still searches that index."""
    index, vectors = filled(open_index, 10)
    index.path.unlink()
    index.refresh()
    assert len(index) == 10 and index.search(vectors[0], k=1)[0][0, 0] == 1


def test_an_unreadable_file_is_reported_and_treated_as_empty(open_index: OpenIndex) -> None:
    saved, _ = filled(open_index, 10)
    make_unreadable(saved.path)
    index = open_index()
    assert index.load_failed and len(index) == 0
    assert index.ids() == set() and index.search(unit_vectors(1), k=3)[0].shape == (1, 0)


def test_clear_empties_the_index_and_a_rebuild_is_saved(open_index: OpenIndex) -> None:
    index, vectors = filled(open_index, 10)
    with index.writing():
        index.remove(np.array([1]))
        index.clear()
        assert len(index) == 0 and index.ids() == set() and index.deleted_fraction == 0.0
        index.add(np.array([21, 22]), vectors[:2])
    assert open_index().ids() == {21, 22}

    make_unreadable(index.path)
    broken = open_index()
    with broken.writing():  # what the corpus does with an unreadable index: rebuild it from the database
        broken.clear()
        assert not broken.load_failed
        broken.add(np.array([21, 22]), vectors[:2])
    assert open_index().ids() == {21, 22} and not open_index().load_failed


def test_search_still_answers_after_most_elements_are_deleted(open_index: OpenIndex) -> None:
    rng = np.random.default_rng(1)
    base = unit_vectors(1)[0]
    near_duplicates = base + 0.01 * rng.standard_normal((3000, DIM)).astype(np.float32)
    index = open_index()
    with index.writing():
        index.add(np.arange(3000), near_duplicates / np.linalg.norm(near_duplicates, axis=1, keepdims=True))
        index.remove(np.arange(50, 3000))
    ids, scores = index.search(base, k=50)
    assert sorted(ids[0].tolist()) == list(range(50))
    assert (np.diff(scores[0]) <= 1e-6).all()
    assert 0.0 <= index.deleted_fraction <= 1.0


def test_search_can_be_restricted_to_some_ids(open_index: OpenIndex) -> None:
    index, vectors = filled(open_index, 200)
    allowed = set(range(101, 201))
    ids, _ = index.search(vectors[:5], k=10, allowed=allowed)
    assert ids.shape == (5, 10) and set(ids.ravel().tolist()) <= allowed
    assert index.search(vectors[150], k=1, allowed=allowed)[0][0, 0] == 151
    assert index.search(vectors[0], k=5, allowed={7, 8})[0].shape == (1, 2)
    assert index.search(vectors[0], k=5, allowed=set())[0].shape == (1, 0)
