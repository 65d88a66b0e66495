"""The collusion view: pairwise similarity within a collection, and the passages behind a pair."""

from __future__ import annotations

import pytest

from plagdetect.errors import PlagDetectError
from plagdetect.services.accounts import Account, PermissionDenied, Role
from plagdetect.services.collusion import pairwise_similarity, similar_passages
from plagdetect.services.corpus import Corpus

from builders import ESSAY_PHOTOSYNTHESIS, ESSAY_RAILWAYS, ESSAY_VOLCANOES, make_people

COPY = "My essay is about transport history.\n\n" + ESSAY_RAILWAYS.replace("England", "Britain")


@pytest.fixture
def people(corpus: Corpus) -> dict[str, Account]:
    return make_people(corpus.context.sessions)


@pytest.fixture
def class_corpus(corpus: Corpus) -> dict[str, int]:
    ids = {}
    for name, text in [("rail", ESSAY_RAILWAYS), ("volcano", ESSAY_VOLCANOES), ("plant", ESSAY_PHOTOSYNTHESIS)]:
        ids[name] = corpus.ingest_bytes(text.encode(), f"{name}.txt", "Week 3").document_id
    ids["copy"] = corpus.ingest_bytes(COPY.encode(), "copy.txt", "Week 3").document_id
    corpus.ingest_bytes(ESSAY_RAILWAYS.encode() + b" Other class.", "other.txt", "Week 4")  # another collection
    return ids


def test_the_copied_pair_stands_out_and_unrelated_pairs_do_not(
    people: dict[str, Account], corpus: Corpus, class_corpus: dict[str, int]
) -> None:
    matrix = pairwise_similarity(corpus.context, people["teacher"], "Week 3")
    assert sorted(matrix.ids) == sorted(class_corpus.values())  # only this collection's documents
    pairs = matrix.pairs()
    assert {pairs[0][0], pairs[0][1]} == {class_corpus["rail"], class_corpus["copy"]}
    assert pairs[0][2] >= 0.8
    assert all(score < 0.2 for _, _, score in pairs[1:])
    assert (matrix.shares.diagonal() == 0).all() and len(pairs) == 6


def test_a_pair_drills_down_to_its_passages(
    people: dict[str, Account], corpus: Corpus, class_corpus: dict[str, int]
) -> None:
    found = similar_passages(corpus.context, people["teacher"], class_corpus["copy"], class_corpus["rail"])
    assert found and all(pair.score >= corpus.context.settings.seed_threshold for pair in found)
    assert any("Steam locomotives" in pair.first and "Steam locomotives" in pair.second for pair in found)
    assert similar_passages(corpus.context, people["teacher"], class_corpus["volcano"], class_corpus["plant"]) == []


def test_only_staff_see_the_collusion_view(
    people: dict[str, Account], corpus: Corpus, class_corpus: dict[str, int]
) -> None:
    with pytest.raises(PermissionDenied):
        pairwise_similarity(corpus.context, people["sam"], "Week 3")
    with pytest.raises(PermissionDenied):
        similar_passages(corpus.context, people["sam"], class_corpus["copy"], class_corpus["rail"])
    with pytest.raises(PlagDetectError, match="No collection"):
        pairwise_similarity(corpus.context, people["teacher"], "Week 9")


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


def test_corpus_management_through_the_app_is_for_staff_only(people: dict[str, Account], corpus: Corpus) -> None:
    from plagdetect.services.corpus_admin import CorpusAdmin
    from plagdetect.store import Document

    with pytest.raises(PermissionDenied, match="instructor or admin"):
        CorpusAdmin(corpus, people["sam"])
    with pytest.raises(PermissionDenied, match="log in"):
        CorpusAdmin(corpus, None)
    admin = people["admin"]
    [added] = CorpusAdmin(corpus, admin).add([("rail.txt", ESSAY_RAILWAYS.encode())], "Week 5")
    with corpus.context.sessions() as session:
        assert session.get(Document, added.document_id).owner_id == admin.id  # who added it is kept


def test_a_pair_shows_the_passages_of_the_direction_that_has_them(
    people: dict[str, Account], corpus: Corpus, class_corpus: dict[str, int]
) -> None:
    from plagdetect.services.collusion import passages_behind_pair

    copy, rail = class_corpus["copy"], class_corpus["rail"]
    assert passages_behind_pair(corpus.context, people["teacher"], copy, rail) == similar_passages(
        corpus.context, people["teacher"], copy, rail
    )
    assert passages_behind_pair(corpus.context, people["teacher"], class_corpus["volcano"], class_corpus["plant"]) == []
    with pytest.raises(PermissionDenied):
        passages_behind_pair(corpus.context, people["sam"], copy, rail)


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


def test_a_service_checks_the_stored_account_not_the_object_it_is_handed(
    people: dict[str, Account], corpus: Corpus
) -> None:
    """The finding: services trusted the role in the Account object; a demoted or disabled account kept its powers."""
    from plagdetect.services.accounts import Accounts
    from plagdetect.services.corpus_admin import CorpusAdmin

    accounts = Accounts(corpus.context.sessions)
    stale_teacher = people["teacher"]  # as a page or a caller kept it
    accounts.set_role(people["admin"], stale_teacher.id, "student")
    with pytest.raises(PermissionDenied, match="you are logged in as a student"):
        CorpusAdmin(corpus, stale_teacher)
    accounts.set_active(people["admin"], people["sam"].id, False)
    with pytest.raises(PermissionDenied, match="disabled"):
        pairwise_similarity(corpus.context, people["sam"], "Week 3")
    forged = Account(stale_teacher.id, "tess", Role.ADMIN)  # a role claimed, not stored
    with pytest.raises(PermissionDenied):
        accounts.list_users(forged)
