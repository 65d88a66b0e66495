"""The collusion view: pairwise similarity within a collection, and the passages behind a pair."""

from __future__ import annotations

import pytest

from plagdetect.errors import PlagDetectError
from plagdetect.services.accounts import Account, PermissionDenied, Role
from plagdetect.services.collusion import pairwise_similarity, similar_passages
from plagdetect.services.corpus import Corpus

from builders import ESSAY_PHOTOSYNTHESIS, ESSAY_RAILWAYS, ESSAY_VOLCANOES

TEACHER = Account(1, "tess", Role.INSTRUCTOR)
STUDENT = Account(2, "sam", Role.STUDENT)
COPY = "My essay is about transport history.\n\n" + ESSAY_RAILWAYS.replace("England", "Britain")


@pytest.fixture
def class_corpus(corpus: Corpus) -> dict[str, int]:
    ids = {}
    for name, text in [("rail", ESSAY_RAILWAYS), ("volcano", ESSAY_VOLCANOES), ("plant", ESSAY_PHOTOSYNTHESIS)]:
        ids[name] = corpus.ingest_bytes(text.encode(), f"{name}.txt", "Week 3").document_id
    ids["copy"] = corpus.ingest_bytes(COPY.encode(), "copy.txt", "Week 3").document_id
    corpus.ingest_bytes(ESSAY_RAILWAYS.encode() + b" Other class.", "other.txt", "Week 4")  # another collection
    return ids


def test_the_copied_pair_stands_out_and_unrelated_pairs_do_not(corpus: Corpus, class_corpus: dict[str, int]) -> None:
    matrix = pairwise_similarity(corpus.context, TEACHER, "Week 3")
    assert sorted(matrix.ids) == sorted(class_corpus.values())  # only this collection's documents
    pairs = matrix.pairs()
    assert {pairs[0][0], pairs[0][1]} == {class_corpus["rail"], class_corpus["copy"]}
    assert pairs[0][2] >= 0.8
    assert all(score < 0.2 for _, _, score in pairs[1:])
    assert (matrix.shares.diagonal() == 0).all() and len(pairs) == 6


def test_a_pair_drills_down_to_its_passages(corpus: Corpus, class_corpus: dict[str, int]) -> None:
    found = similar_passages(corpus.context, TEACHER, class_corpus["copy"], class_corpus["rail"])
    assert found and all(pair.score >= corpus.context.settings.seed_threshold for pair in found)
    assert any("Steam locomotives" in pair.first and "Steam locomotives" in pair.second for pair in found)
    assert similar_passages(corpus.context, TEACHER, class_corpus["volcano"], class_corpus["plant"]) == []


def test_only_staff_see_the_collusion_view(corpus: Corpus, class_corpus: dict[str, int]) -> None:
    with pytest.raises(PermissionDenied):
        pairwise_similarity(corpus.context, STUDENT, "Week 3")
    with pytest.raises(PermissionDenied):
        similar_passages(corpus.context, STUDENT, class_corpus["copy"], class_corpus["rail"])
    with pytest.raises(PlagDetectError, match="No collection"):
        pairwise_similarity(corpus.context, TEACHER, "Week 9")


def test_collections_are_renamed_and_deleted_with_all_their_documents(
    corpus: Corpus, class_corpus: dict[str, int]
) -> None:
    renamed = corpus.rename_collection("Week 3", "Week 3 (2026)")
    assert renamed.documents == 4
    with pytest.raises(PlagDetectError, match="already exists"):
        corpus.rename_collection("Week 4", "Week 3 (2026)")
    before = len(corpus.context.index)
    assert corpus.delete_collection("Week 3 (2026)") == 4
    assert [c.name for c in corpus.collections()] == ["Week 4"]
    assert len(corpus.context.index) < before and len(corpus.list_documents()) == 1
    with pytest.raises(PlagDetectError, match="No collection"):
        corpus.delete_collection("Week 3 (2026)")


def test_corpus_management_through_the_app_is_for_staff_only(corpus: Corpus) -> None:
    from plagdetect.services.accounts import Accounts
    from plagdetect.services.corpus_admin import CorpusAdmin
    from plagdetect.store import Document

    with pytest.raises(PermissionDenied, match="instructor or admin"):
        CorpusAdmin(corpus, STUDENT)
    with pytest.raises(PermissionDenied, match="log in"):
        CorpusAdmin(corpus, None)
    admin = Accounts(corpus.context.sessions).create_first_admin("ada", "admin password")
    [added] = CorpusAdmin(corpus, admin).add([("rail.txt", ESSAY_RAILWAYS.encode())], "Week 5")
    with corpus.context.sessions() as session:
        assert session.get(Document, added.document_id).owner_id == admin.id  # who added it is kept


def test_a_pair_shows_the_passages_of_the_direction_that_has_them(corpus: Corpus, class_corpus: dict[str, int]) -> None:
    from plagdetect.services.collusion import passages_behind_pair

    copy, rail = class_corpus["copy"], class_corpus["rail"]
    assert passages_behind_pair(corpus.context, TEACHER, copy, rail) == similar_passages(
        corpus.context, TEACHER, copy, rail
    )
    assert passages_behind_pair(corpus.context, TEACHER, class_corpus["volcano"], class_corpus["plant"]) == []
    with pytest.raises(PermissionDenied):
        passages_behind_pair(corpus.context, STUDENT, copy, rail)


def test_the_corpus_page_finds_documents_by_title_file_name_or_author(corpus: Corpus) -> None:
    from plagdetect.services.accounts import Accounts
    from plagdetect.services.corpus_admin import CorpusAdmin

    admin = Accounts(corpus.context.sessions).create_first_admin("ada", "admin password")
    corpus.ingest_bytes(ESSAY_RAILWAYS.encode(), "rail.txt", "Week 5", title="Railways", author="Grace Hopper")
    corpus.ingest_bytes(ESSAY_VOLCANOES.encode(), "volcano.txt", "Week 5")
    library = CorpusAdmin(corpus, admin)
    assert [d.filename for d in library.documents("Week 5", search="  HOPPER ")] == ["rail.txt"]
    assert [d.filename for d in library.documents(search="volcano")] == ["volcano.txt"]
    assert len(library.documents("Week 5", search="")) == 2
