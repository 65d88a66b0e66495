"""What only the hnswlib backend does: its file, lock and temporaries, deleted slots (see test_index_contract.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from plagdetect.index import HnswIndex, VectorIndex, make_index
from plagdetect.settings import Settings

DIM = 16


def unit_vectors(count: int, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((count, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "index" / "test.hnsw"


def filled(path: Path, count: int = 100) -> tuple[HnswIndex, np.ndarray]:
    index = HnswIndex(path, DIM)
    vectors = unit_vectors(count)
    with index.writing():
        index.add(np.arange(1, count + 1), vectors)
    return index, vectors


def test_hnsw_index_is_a_vector_index(path: Path) -> None:
    index: VectorIndex = HnswIndex(path, DIM)
    assert isinstance(index, VectorIndex)


def test_the_factory_builds_one_file_per_version_with_the_settings_parameters(settings: Settings) -> None:
    tuned = replace(settings, hnsw_m=8, hnsw_ef_construction=50, hnsw_ef_search=40)
    index = make_index(tuned, "some-model-0123456789ab+sentmean1", DIM)
    assert isinstance(index, HnswIndex)
    assert index.path == settings.index_dir / "some-model-0123456789ab+sentmean1.hnsw"
    assert (index.dim, index.m, index.ef_construction, index.ef_search) == (DIM, 8, 50, 40)
    assert make_index(settings, "v", DIM).path == settings.index_dir / "v.hnsw"


def test_removed_vectors_bytes_leave_the_saved_file(path: Path) -> None:
    index, vectors = filled(path, 20)
    with index.writing():
        index.remove(np.array([3, 4]))
    saved = path.read_bytes()
    assert vectors[2].tobytes() not in saved and vectors[3].tobytes() not in saved
    assert vectors[4].tobytes() in saved  # a kept vector is stored as is: the check above can fail


def test_an_unreadable_file_where_none_was_saved_is_reported(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not an index at all")
    index = HnswIndex(path, DIM)
    assert index.load_failed and len(index) == 0


def test_deleted_slots_are_reused(path: Path) -> None:
    index, vectors = filled(path, 10)
    with index.writing():
        index.remove(np.array([1, 2]))
        assert index.deleted_fraction == pytest.approx(0.2)
        index.add(np.array([2, 11]), vectors[[1, 0]])
    assert index.deleted_fraction == 0.0 and len(index) == 10  # 2 came back, 11 took the slot of 1
    assert HnswIndex(path, DIM).deleted_fraction == 0.0


def test_deleted_elements_count_until_a_rebuild(path: Path) -> None:
    index = HnswIndex(path, DIM)
    with index.writing():
        index.add(np.arange(3000), unit_vectors(3000))
        index.remove(np.arange(50, 3000))
    assert index.deleted_fraction > 0.9
    assert HnswIndex(path, DIM).deleted_fraction == pytest.approx(2950 / 3000)  # read back from the file


def test_no_temporary_files_are_left_behind(path: Path) -> None:
    filled(path, 10)
    assert sorted(p.name for p in path.parent.iterdir()) == ["test.hnsw", "test.hnsw.lock"]


def test_a_temporary_file_left_by_a_killed_writer_is_removed(path: Path) -> None:
    index, _ = filled(path, 10)
    stale = path.with_name(f".{path.name}.12345.tmp")
    stale.write_bytes(b"vectors of a dead writer")
    with index.writing():
        pass
    assert not stale.exists()


def test_a_search_thread_and_an_adding_thread_share_one_index_safely(path: Path) -> None:
    """The app's check thread searches while an ingest adds (and hnswlib resizes): neither sees a half-resized index."""
    import threading

    index = HnswIndex(path, dim=DIM)
    first = unit_vectors(50, seed=1)
    index.add(np.arange(50), first)
    errors: list[BaseException] = []
    stop = threading.Event()

    def search() -> None:
        try:
            while not stop.is_set():
                ids, scores = index.search(first[:5], k=1)
                assert ids[:, 0].tolist() == [0, 1, 2, 3, 4] and (scores[:, 0] > 0.99).all()
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    searcher = threading.Thread(target=search)
    searcher.start()
    try:
        for start in range(50, 6050, 200):  # 30 additions, several of which grow the index (1024, 2048, 4096 …)
            index.add(np.arange(start, start + 200), unit_vectors(200, seed=start))
    finally:
        stop.set()
        searcher.join(timeout=60)
    assert not errors and len(index) == 6050
