from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import unicodedata
import zipfile
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select, update

import plagdetect.store.documents as documents_module
from plagdetect.errors import PlagDetectError
from plagdetect.index.sync import IndexReport, repair
from plagdetect.services.corpus import Corpus
from plagdetect.store import Chunk, Document, SentenceVectors
from plagdetect.store.files import write_atomically
from plagdetect.text.chunking import sentence_units
from plagdetect.text.prepare import prepare_document

from builders import ESSAY_PHOTOSYNTHESIS, ESSAY_RAILWAYS, ESSAY_VOLCANOES, make_pdf, write_docx


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def chunk_count(corpus: Corpus) -> int:
    with corpus.context.sessions() as session:
        return session.scalar(select(func.count()).select_from(Chunk))


def test_ingest_stores_text_chunks_vectors_and_the_original(corpus: Corpus, tmp_path: Path) -> None:
    source = write(tmp_path / "photosynthesis.txt", ESSAY_PHOTOSYNTHESIS)
    [result] = corpus.ingest_paths([source], "biology")
    assert result.status == "added" and result.chunks >= 2
    [info] = corpus.list_documents("biology")
    assert (info.title, info.format, info.collection, info.chunks) == (
        "photosynthesis",
        "txt",
        "biology",
        result.chunks,
    )
    with corpus.context.sessions() as session:
        document = session.get(Document, result.document_id)
        assert document.text == ESSAY_PHOTOSYNTHESIS
        assert (corpus.context.settings.data_dir / document.stored_path).read_bytes() == source.read_bytes()
        first = document.chunks[0]
        assert document.text[first.start : first.end].startswith("Photosynthesis is the process")
        assert len(first.vector) == 384 * 2  # float16
    assert corpus.context.index.ids() == {c.id for c in document.chunks}


def test_ingest_stores_each_sentences_vector_and_pools_the_chunks_from_them(corpus: Corpus) -> None:
    result = corpus.ingest_bytes(ESSAY_RAILWAYS.encode(), "rail.txt", "c")
    [(spans, vectors)] = corpus.context.vectors.sentence_vectors([result.document_id]).values()
    with corpus.context.sessions() as session:
        document = session.get(Document, result.document_id)
        chunks = [(c.start, c.end, np.frombuffer(c.vector, np.float16).astype(np.float32)) for c in document.chunks]
        text = document.text
    assert spans == sentence_units(text) and len(spans) > len(chunks) > 1
    sentences = [" ".join(text[a:b].split()) for a, b in spans]
    assert np.allclose(vectors, corpus.context.encoder.encode(sentences), atol=2e-3)  # stored as float16
    starts = [a for a, _ in spans]
    ends = [b for _, b in spans]
    windows = [(starts.index(start), ends.index(end) + 1) for start, end, _ in chunks]
    _, pooled = corpus.context.encoder.encode_windows(sentences, windows)
    assert np.allclose(np.stack([vector for _, _, vector in chunks]), pooled, atol=2e-3)


def test_a_chunk_text_finds_its_own_chunk_in_the_index(corpus: Corpus, tmp_path: Path) -> None:
    for name, text in [("a", ESSAY_PHOTOSYNTHESIS), ("b", ESSAY_RAILWAYS), ("c", ESSAY_VOLCANOES)]:
        corpus.ingest_paths([write(tmp_path / f"{name}.txt", text)], "mixed")
    query = corpus.context.encoder.encode(
        ["Steam locomotives cut travel times between industrial towns from days to hours."]
    )
    [[best, *_]], _ = corpus.context.index.search(query, k=3)
    with corpus.context.sessions() as session:
        assert session.get(Chunk, int(best)).document.title == "b"


def test_docx_metadata_and_author_override(corpus: Corpus, tmp_path: Path) -> None:
    path = write_docx(tmp_path / "essay.docx", ESSAY_RAILWAYS.split(". "), title="Railways", author="A. Student")
    corpus.ingest_paths([path], "history")
    corpus.ingest_paths([write(tmp_path / "v.txt", ESSAY_VOLCANOES)], "history", author="B. Writer")
    docs = corpus.list_documents("history")
    assert [(d.title, d.author) for d in docs] == [("Railways", "A. Student"), ("v", "B. Writer")]


def test_the_same_file_twice_in_a_collection_is_reported_not_stored(corpus: Corpus, tmp_path: Path) -> None:
    path = write(tmp_path / "essay.txt", ESSAY_RAILWAYS)
    copy = write(tmp_path / "renamed copy.txt", ESSAY_RAILWAYS)
    first, second = corpus.ingest_paths([path, copy], "history")
    assert first.status == "added"
    assert second.status == "duplicate" and second.document_id == first.document_id
    assert "already in collection 'history'" in second.message and "essay.txt" in second.message
    assert len(corpus.list_documents()) == 1
    [other] = corpus.ingest_paths([path], "another course")  # another collection may hold it too
    assert other.status == "added"


def test_delete_removes_rows_vectors_and_the_stored_file(corpus: Corpus, tmp_path: Path) -> None:
    keep = corpus.ingest_bytes(ESSAY_VOLCANOES.encode(), "keep.txt", "c")
    gone = corpus.ingest_bytes(ESSAY_RAILWAYS.encode(), "gone.txt", "c")
    with corpus.context.sessions() as session:
        gone_doc = session.get(Document, gone.document_id)
        stored = corpus.context.settings.data_dir / gone_doc.stored_path
        gone_chunks = {c.id for c in gone_doc.chunks}
        gone_vector = np.frombuffer(gone_doc.chunks[0].vector, np.float16).astype(np.float32)
    info = corpus.delete_document(gone.document_id)
    assert info.title == "gone"
    assert [d.id for d in corpus.list_documents()] == [keep.document_id]
    assert list(corpus.context.vectors.sentence_vectors([keep.document_id, gone.document_id])) == [keep.document_id]
    with corpus.context.sessions() as session:
        assert session.scalars(select(SentenceVectors.document_id)).all() == [keep.document_id]
    assert chunk_count(corpus) == keep.chunks
    assert not stored.exists()
    assert not (gone_chunks & corpus.context.index.ids())
    reopened = Corpus.open(corpus.context.settings, encoder=corpus.context.encoder)
    assert reopened.context.index.ids() == corpus.context.index.ids()
    index_bytes = corpus.context.index.path.read_bytes()
    assert gone_vector.tobytes()[:64] not in index_bytes
    with pytest.raises(PlagDetectError, match="No document with id 999"):
        corpus.delete_document(999)


def test_deleted_text_is_not_left_in_the_database_file(corpus: Corpus, tmp_path: Path) -> None:
    secret = "Zanzibarian quokkas negotiate marmalade treaties under moonlight. " * 5
    result = corpus.ingest_bytes(secret.encode(), "secret.txt", "c")
    other_reader = Corpus.open(
        corpus.context.settings, encoder=corpus.context.encoder
    )  # the web app keeps connections open
    assert other_reader.list_documents()
    corpus.delete_document(result.document_id)
    data_files = [p for p in corpus.context.settings.data_dir.glob("plagdetect.db*") if p.is_file()]
    assert data_files and not any(b"Zanzibarian quokkas" in p.read_bytes() for p in data_files)


def test_a_missing_index_file_is_rebuilt_from_the_database(corpus: Corpus, tmp_path: Path) -> None:
    corpus.ingest_bytes(ESSAY_RAILWAYS.encode(), "a.txt", "c")
    ids = corpus.context.index.ids()
    corpus.context.index.path.unlink()
    reopened = Corpus.open(corpus.context.settings, encoder=corpus.context.encoder)
    assert reopened.context.index.ids() == ids
    assert reopened.context.last_index_report.added == len(ids)
    assert reopened.context.index.path.exists()


def test_a_corrupt_index_file_is_rebuilt(corpus: Corpus) -> None:
    corpus.ingest_bytes(ESSAY_RAILWAYS.encode(), "a.txt", "c")
    ids = corpus.context.index.ids()
    corpus.context.index.path.write_bytes(b"\0" * 100)
    reopened = Corpus.open(corpus.context.settings, encoder=corpus.context.encoder)
    assert reopened.context.index.ids() == ids and reopened.context.last_index_report.rebuilt


def test_a_stale_index_file_is_brought_in_line(corpus: Corpus) -> None:
    """An index saved before the last ingest (a kill between commit and save), and one holding a stray id."""
    corpus.ingest_bytes(ESSAY_RAILWAYS.encode(), "a.txt", "c")
    old_index = corpus.context.index.path.read_bytes()
    later = corpus.ingest_bytes(ESSAY_VOLCANOES.encode(), "b.txt", "c")
    expected = corpus.context.index.ids()
    with corpus.context.index.writing():
        corpus.context.index.add(np.array([10_000]), np.ones((1, 384), np.float32))
    stray_index = corpus.context.index.path.read_bytes()
    for saved, added, removed in [(old_index, later.chunks, 0), (stray_index, 0, 1)]:
        corpus.context.index.path.write_bytes(saved)
        reopened = Corpus.open(corpus.context.settings, encoder=corpus.context.encoder)
        assert reopened.context.index.ids() == expected
        assert (reopened.context.last_index_report.added, reopened.context.last_index_report.removed) == (
            added,
            removed,
        )


def test_an_ingest_killed_before_commit_leaves_nothing(corpus: Corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus.ingest_bytes(ESSAY_VOLCANOES.encode(), "kept.txt", "c")

    def write_then_stop(target: Path, data: bytes) -> None:
        write_atomically(target, data)
        raise KeyboardInterrupt  # as if the process were stopped after the file, before the commit

    monkeypatch.setattr(documents_module, "write_atomically", write_then_stop)
    with pytest.raises(KeyboardInterrupt):
        corpus.ingest_bytes(ESSAY_RAILWAYS.encode(), "lost.txt", "c")
    assert [d.filename for d in corpus.list_documents()] == ["kept.txt"]
    assert [p.name for p in corpus.context.settings.files_dir.iterdir()] == ["1.txt"]
    # A file left by a process killed outright is removed at a later start; a young one may belong to
    # an ingest under way in another process, so it stays until it is old.
    orphan, in_flight = corpus.context.settings.files_dir / "77.txt", corpus.context.settings.files_dir / "78.txt"
    orphan.write_text("orphan")
    in_flight.write_text("being ingested by another process")
    an_hour_ago = time.time() - 3600
    os.utime(orphan, (an_hour_ago, an_hour_ago))
    Corpus.open(corpus.context.settings, encoder=corpus.context.encoder).context.open_index()
    assert sorted(p.name for p in corpus.context.settings.files_dir.iterdir()) == ["1.txt", "78.txt"]


def test_bad_files_are_reported_and_the_others_still_go_in(corpus: Corpus, tmp_path: Path) -> None:
    good = write(tmp_path / "good.txt", ESSAY_RAILWAYS)
    empty = write(tmp_path / "empty.txt", "")
    blank = write(tmp_path / "blank.md", "   \n\n  ")
    corrupt = tmp_path / "broken.pdf"
    corrupt.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20)
    unknown = write(tmp_path / "picture.png", "not text")
    large = tmp_path / "large.txt"
    with open(large, "wb") as handle:
        handle.truncate(60 * 1024 * 1024)
    also_good = write_docx(tmp_path / "also good.docx", [ESSAY_VOLCANOES])
    missing = tmp_path / "missing.txt"
    results = corpus.ingest_paths([good, empty, blank, corrupt, unknown, large, missing, also_good], "c")
    by_name = {Path(r.filename).name: r for r in results}
    assert by_name["good.txt"].status == by_name["also good.docx"].status == "added"
    reasons = {name: r.message for name, r in by_name.items() if r.status == "failed"}
    assert set(reasons) == {"empty.txt", "blank.md", "broken.pdf", "picture.png", "large.txt", "missing.txt"}
    assert "empty" in reasons["empty.txt"]
    assert "no text" in reasons["blank.md"]
    assert "PDF" in reasons["broken.pdf"]
    assert "unsupported file type '.png'" in reasons["picture.png"]
    assert reasons["large.txt"] == "the file is 60 MB; the limit is 50 MB"
    assert reasons["missing.txt"] == "the file does not exist"
    assert len(corpus.list_documents()) == 2
    assert chunk_count(corpus) == by_name["good.txt"].chunks + by_name["also good.docx"].chunks
    assert [p.name for p in corpus.context.settings.files_dir.iterdir()] != []
    assert len(list(corpus.context.settings.files_dir.iterdir())) == 2


def test_folders_and_zip_archives(corpus: Corpus, tmp_path: Path) -> None:
    folder = tmp_path / "submissions"
    (folder / "week1").mkdir(parents=True)
    write(folder / "week1" / "rail.txt", ESSAY_RAILWAYS)
    write(folder / ".hidden.txt", ESSAY_PHOTOSYNTHESIS)
    archive = tmp_path / "batch.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("volcano.txt", ESSAY_VOLCANOES)
        zf.writestr("__MACOSX/._volcano.txt", "junk")
        zf.writestr("notes.rtf", "{\\rtf1 hello}")
    results = corpus.ingest_paths([folder, archive], "c")
    assert [(Path(r.filename).name, r.status) for r in results] == [
        ("rail.txt", "added"),
        ("volcano.txt", "added"),
        ("notes.rtf", "failed"),
    ]
    assert results[1].filename.endswith("batch.zip/volcano.txt")
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("zeros.txt", b"\0" * (600 * 1024 * 1024))
    [failed] = corpus.ingest_paths([bomb], "c")
    assert failed.status == "failed" and "zip" in failed.message.lower()


def test_uploaded_files_and_zips_are_ingested_with_their_owner_and_progress(corpus: Corpus) -> None:
    import io

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("volcano.txt", ESSAY_VOLCANOES)
        zf.writestr("notes.rtf", "{\\rtf1 hello}")
    uploads = [("rail.txt", ESSAY_RAILWAYS.encode()), ("batch.zip", archive.getvalue()), ("bad.zip", b"not a zip")]
    heard: list[str] = []
    results = corpus.ingest_uploads(uploads, "Uploads", owner_id=None, progress=heard.append)
    assert [(r.filename, r.status) for r in results] == [
        ("rail.txt", "added"),
        ("batch.zip/volcano.txt", "added"),
        ("batch.zip/notes.rtf", "failed"),
        ("bad.zip", "failed"),
    ]
    assert heard == ["rail.txt", "batch.zip", "bad.zip"]  # one step per uploaded file, for a progress bar
    assert {d.title for d in corpus.list_documents("Uploads")} == {"rail", "volcano"}
    assert len(corpus.context.index) == sum(r.chunks for r in results)  # searchable at once


def test_reindex_re_embeds_chunks_of_another_model_version(corpus: Corpus) -> None:
    result = corpus.ingest_bytes(ESSAY_PHOTOSYNTHESIS.encode(), "p.txt", "c")
    with corpus.context.sessions.begin() as session:
        session.execute(update(Chunk).values(encoder_version="older-model", vector=b"\0" * 768))
        session.execute(update(SentenceVectors).values(encoder_version="older-model"))
    reopened = Corpus.open(corpus.context.settings, encoder=corpus.context.encoder)
    assert opened(reopened).stale_documents == 1
    assert len(reopened.context.index) == 0  # nothing of another version is searched
    report = reopened.reindex()
    assert report.rebuilt and report.added == report.re_embedded == result.chunks
    assert len(reopened.context.index) == result.chunks == chunk_count(reopened)  # the unknown version's rows went
    assert reopened.context.vectors.versions() == {reopened.context.encoder_version: 1}
    query = corpus.context.encoder.encode([ESSAY_PHOTOSYNTHESIS.split(". ")[0]])
    assert reopened.context.index.search(query, k=1)[1][0, 0] > 0.8


def test_reindex_gives_a_document_stored_without_sentence_vectors_its_vectors(corpus: Corpus) -> None:
    """A corpus from before sentence vectors were stored: its chunks count as another version until re-indexed."""
    result = corpus.ingest_bytes(ESSAY_PHOTOSYNTHESIS.encode(), "p.txt", "c")
    [(spans, vectors)] = corpus.context.vectors.sentence_vectors([result.document_id]).values()
    with corpus.context.sessions.begin() as session:
        session.execute(
            update(Chunk).values(encoder_version=corpus.context.encoder.version)
        )  # the model alone named them
        session.query(SentenceVectors).delete()
    reopened = Corpus.open(corpus.context.settings, encoder=corpus.context.encoder)
    assert opened(reopened).stale_documents == 1
    assert reopened.context.vectors.sentence_vectors([result.document_id]) == {}
    assert reopened.stale_documents() == 1 and len(reopened.context.index) == 0  # said, not silently unsearched
    reopened.reindex()
    assert reopened.stale_documents() == 0
    [(again, again_vectors)] = reopened.context.vectors.sentence_vectors([result.document_id]).values()
    assert again == spans and np.allclose(again_vectors, vectors)
    assert len(reopened.context.index) == result.chunks == chunk_count(reopened)


def test_two_processes_share_the_corpus(corpus: Corpus) -> None:
    other = Corpus.open(corpus.context.settings, encoder=corpus.context.encoder)
    assert len(other.context.index) == 0
    result = corpus.ingest_bytes(ESSAY_RAILWAYS.encode(), "a.txt", "c")
    assert len(other.context.index) == result.chunks  # the reader picks up the file the writer saved
    second = other.ingest_bytes(ESSAY_VOLCANOES.encode(), "b.txt", "c")
    assert len(corpus.context.index) == result.chunks + second.chunks
    assert [d.title for d in corpus.list_documents()] == ["a", "b"]


def test_collections(corpus: Corpus) -> None:
    corpus.create_collection("Physics 101", "autumn term")
    with pytest.raises(PlagDetectError, match="already exists"):
        corpus.create_collection("Physics 101")
    with pytest.raises(PlagDetectError, match="needs a name"):
        corpus.create_collection("   ")
    corpus.ingest_bytes(ESSAY_RAILWAYS.encode(), "a.txt", "History")
    assert [(c.name, c.documents) for c in corpus.collections()] == [("History", 1), ("Physics 101", 0)]
    with pytest.raises(PlagDetectError, match="No collection named 'Chemistry'"):
        corpus.list_documents("Chemistry")


def test_a_pdf_keeps_its_pages_title_and_integrity_flags(corpus: Corpus, tmp_path: Path) -> None:
    pages = [["Page one of the essay.", "It continues here."], ["The second page ends it."]]
    path = tmp_path / "essay.pdf"
    path.write_bytes(make_pdf(pages, title="On Pages", author="C. Author"))
    [result] = corpus.ingest_paths([path], "c")
    assert result.status == "added"
    with corpus.context.sessions() as session:
        document = session.get(Document, result.document_id)
        assert (document.title, document.author, document.format) == ("On Pages", "C. Author", "pdf")
        assert len(document.page_starts) == 2
        assert document.original_text[document.page_starts[1] :].startswith("The second page")

    hidden = (
        "Plagiarism checkers\u200b are easy to fool, say\u200b some, with hidden characters and а few Cyrillic lеtters."
    )
    tricked = corpus.ingest_bytes(hidden.encode(), "tricked.txt", "c")
    [info] = [d for d in corpus.list_documents() if d.id == tricked.document_id]
    assert any("2 invisible characters" in line for line in info.integrity)
    assert any("look-alike" in line for line in info.integrity)


@pytest.mark.slow
def test_killing_an_ingest_loses_nothing(settings, encoder, tmp_path: Path) -> None:
    """SIGKILL a real `plagdetect ingest` midway: what is stored is whole, the rest can be ingested again."""
    folder = tmp_path / "submissions"
    folder.mkdir()
    essays = [ESSAY_PHOTOSYNTHESIS, ESSAY_RAILWAYS, ESSAY_VOLCANOES]
    for i in range(40):
        paragraphs = [f"Submission {i}, part {p}. " + essays[(i + p) % 3] for p in range(8)]
        write(folder / f"{i:02}.txt", "\n\n".join(paragraphs))
    command = [sys.executable, "-m", "plagdetect", "--data-dir", str(settings.data_dir), "ingest", str(folder)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    database = settings.data_dir / "plagdetect.db"
    deadline = time.monotonic() + 300
    workers: set[int] = set()
    try:
        while time.monotonic() < deadline and process.poll() is None:
            workers |= _children(process.pid)  # the worker process the command hosts runs the ingest
            if database.exists() and _documents_in(database) >= 3:
                process.kill()
                break
            time.sleep(0.02)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == -signal.SIGKILL, "the ingest finished before it could be killed"
    assert workers, "the command hosted no worker process"
    while any(_alive(pid) for pid in workers):  # it sees its host go and ends at once, its job with it
        assert time.monotonic() < deadline, "the worker outlived its command"
        time.sleep(0.02)
    connection = sqlite3.connect(database)
    [(state, message)] = connection.execute("SELECT state, message FROM jobs").fetchall()
    connection.close()
    assert state == "cancelled" and "not started again" in message  # `plagdetect jobs` says so; no pool reruns it

    corpus = Corpus.open(settings, encoder=encoder)
    stored = corpus.list_documents()
    assert 3 <= len(stored) < 40
    expected = {
        d.filename: len(prepare_document(Path(d.filename).read_bytes(), d.filename, settings).chunks) for d in stored
    }
    assert {d.filename: d.chunks for d in stored} == expected  # each stored document is whole
    assert corpus.context.index.ids() == _all_chunk_ids(corpus)  # the index caught up with the database
    owned, on_disk = {f"{d.id}.txt" for d in stored}, {p.name for p in settings.files_dir.iterdir()}
    assert owned <= on_disk
    assert len(on_disk - owned) <= 1  # a file written just before the kill, not committed (removed once old)

    results = corpus.ingest_paths([folder], "default")
    assert sum(r.status == "duplicate" for r in results) == len(stored)
    assert sum(r.status == "added" for r in results) == 40 - len(stored)
    assert len(corpus.context.index) == sum(r.chunks for r in results if r.status == "added") + sum(expected.values())


def _children(pid: int) -> set[int]:
    children: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:  # the thread or the process ended meanwhile
            pass
    return children


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def _documents_in(database: Path) -> int:
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as connection:
            return connection.execute("SELECT count(*) FROM documents").fetchone()[0]
    except sqlite3.Error:  # tables not created yet
        return 0


def _all_chunk_ids(corpus: Corpus) -> set[int]:
    with corpus.context.sessions() as session:
        return set(session.scalars(select(Chunk.id)))


def test_a_document_deleted_during_a_bulk_ingest_does_not_come_back(corpus: Corpus) -> None:
    """The CLI stores a document (its vectors wait for the next index save); the app deletes it meanwhile."""
    web = Corpus.open(corpus.context.settings, encoder=corpus.context.encoder)
    embeddings = corpus.context.embeddings
    result, pending = corpus._ingest(embeddings, ESSAY_RAILWAYS.encode(), "a.txt", "c")
    web.delete_document(result.document_id)
    corpus._add_to_index(embeddings, [pending])
    assert len(corpus.context.index) == 0 and len(web.context.index) == 0


def test_delete_removes_index_files_of_other_bi_encoder_versions(corpus: Corpus) -> None:
    result = corpus.ingest_bytes(ESSAY_RAILWAYS.encode(), "a.txt", "c")
    old_version = corpus.context.settings.index_dir / "older-model-000000000000.hnsw"
    old_version.write_bytes(corpus.context.index.path.read_bytes())  # as a previous bi-encoder left it
    corpus.delete_document(result.document_id)
    assert not old_version.exists() and corpus.context.index.path.exists()


def test_deleting_most_of_the_corpus_compacts_the_index(corpus: Corpus) -> None:
    results = [
        corpus.ingest_bytes(f"{i}. {essay}".encode(), f"{i}.txt", "c")
        for i, essay in enumerate([ESSAY_RAILWAYS, ESSAY_VOLCANOES, ESSAY_PHOTOSYNTHESIS])
    ]
    for result in results[:2]:
        corpus.delete_document(result.document_id)
    assert corpus.context.index.deleted_fraction <= 0.5
    assert len(corpus.context.index) == results[2].chunks


def test_reindex_skips_a_document_deleted_while_it_is_re_embedded(corpus: Corpus, monkeypatch) -> None:
    first = corpus.ingest_bytes(ESSAY_RAILWAYS.encode(), "a.txt", "c")
    second = corpus.ingest_bytes(ESSAY_VOLCANOES.encode(), "b.txt", "c")
    with corpus.context.sessions.begin() as session:
        session.execute(update(Chunk).values(encoder_version="older-model"))
        session.execute(update(SentenceVectors).values(encoder_version="older-model"))
    web = Corpus.open(corpus.context.settings, encoder=corpus.context.encoder)
    encode = corpus.context.encoder.encode
    calls = []

    def encode_while_someone_deletes(texts, **kwargs):
        calls.append(len(texts))
        if len(calls) == 1:
            web.delete_document(first.document_id)
        return encode(texts, **kwargs)

    monkeypatch.setattr(corpus.context.encoder, "encode", encode_while_someone_deletes)
    report = corpus.reindex()
    assert report.re_embedded == second.chunks
    assert corpus.context.index.ids() == _all_chunk_ids(corpus)


def test_repairing_twice_after_a_rebuild_changes_nothing(corpus: Corpus) -> None:
    corpus.ingest_bytes(ESSAY_RAILWAYS.encode(), "a.txt", "c")
    corpus.context.index.path.write_bytes(b"broken")
    reopened = Corpus.open(corpus.context.settings, encoder=corpus.context.encoder)
    assert opened(reopened).rebuilt
    assert not repair(reopened.context.index, reopened.context.vectors).changed


def test_two_processes_creating_the_database_at_once(tmp_path: Path) -> None:
    script = "import sys; from plagdetect.store import make_engine; make_engine(sys.argv[1])"
    for trial in range(3):
        url = f"sqlite:///{tmp_path / f'race{trial}.db'}"
        runs = [subprocess.Popen([sys.executable, "-c", script, url], stderr=subprocess.PIPE) for _ in range(3)]
        errors = [run.communicate()[1].decode() for run in runs]
        assert [run.returncode for run in runs] == [0, 0, 0], errors


def opened(corpus: Corpus) -> IndexReport:
    """What opening the index did: it is checked against the database when first opened."""
    corpus.context.open_index()
    return corpus.context.last_index_report


def test_titles_and_authors_from_metadata_are_stored_without_escapes_or_nuls(corpus: Corpus) -> None:
    pdf = make_pdf(
        [["Steam locomotives cut travel times between industrial towns from days to hours."]],
        title="Thesis\x00\x1b]0;owned\x07\x1b[2J",
        author="Ada Lovelace\x1b[31m\x07",
    )
    result = corpus.ingest_bytes(pdf, "thesis\x1b[2J.pdf", "c")
    [document] = corpus.list_documents()
    shown = document.title + document.author + document.filename
    assert result.status == "added" and not [c for c in shown if unicodedata.category(c) in ("Cc", "Cf")]
    assert document.title.startswith("Thesis") and document.author.startswith("Ada Lovelace")
    assert document.filename == "thesis[2J.pdf"
    assert corpus.ingest_bytes(pdf, "again.pdf", "c", title="\x00\x07").status == "duplicate"


def test_a_delete_in_a_new_process_does_not_report_an_index_repair(
    corpus: Corpus, caplog: pytest.LogCaptureFixture
) -> None:
    added = corpus.ingest_bytes(ESSAY_RAILWAYS.encode(), "a.txt", "c")
    fresh = Corpus.open(corpus.context.settings, encoder=corpus.context.encoder)  # as `plagdetect delete` starts
    with caplog.at_level("WARNING"):
        fresh.delete_document(added.document_id)
    assert not [r for r in caplog.records if "repaired" in r.getMessage()] and len(fresh.context.index) == 0


# ----- a delete behind a long reader (issue 13) ------------------------------------------------------------------

SECRET = "Zanzibarian quokkas negotiate marmalade treaties under moonlight. " * 5


def long_reader(corpus: Corpus) -> sqlite3.Connection:
    """Another connection in the middle of a read transaction (a long report, a page, another process)."""
    reader = sqlite3.connect(corpus.context.settings.data_dir / "plagdetect.db", isolation_level=None)
    reader.execute("BEGIN")
    assert reader.execute("SELECT count(*) FROM documents").fetchone()[0] > 0
    return reader


def holding_the_secret(corpus: Corpus) -> list[str]:
    data_files = [p for p in corpus.context.settings.data_dir.glob("plagdetect.db*") if p.is_file()]
    return [p.name for p in data_files if SECRET[:40].encode() in p.read_bytes()]


def delete_in_time(corpus: Corpus, document_id: int, seconds: float) -> float:
    """How long the delete took; fails if it is still waiting after ``seconds`` (it then finishes on its own)."""
    import threading

    finished = threading.Event()
    start = time.perf_counter()
    threading.Thread(target=lambda: (corpus.delete_document(document_id), finished.set()), daemon=True).start()
    assert finished.wait(seconds), f"the delete still waits after {seconds} s"
    return time.perf_counter() - start


def test_a_delete_does_not_wait_for_a_long_reader_and_the_text_is_wiped_once_it_ends(corpus: Corpus) -> None:
    gone = corpus.ingest_bytes(SECRET.encode(), "secret.txt", "c")
    corpus.ingest_bytes(ESSAY_VOLCANOES.encode(), "keep.txt", "c")
    reader = long_reader(corpus)
    try:
        assert delete_in_time(corpus, gone.document_id, 5.0) < 5.0  # it waited up to 50 x 30 s before
        assert [d.title for d in corpus.list_documents()] == ["keep"]  # done, as it reports
        assert corpus.wipe_pending  # the reader still sees the old pages: they cannot be wiped yet
    finally:
        reader.close()  # the reader finishes
    deadline = time.monotonic() + 15
    while (corpus.wipe_pending or holding_the_secret(corpus)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not corpus.wipe_pending and holding_the_secret(corpus) == []


def test_a_wipe_left_owed_by_a_process_is_paid_by_the_next_to_open_the_database(corpus: Corpus) -> None:
    gone = corpus.ingest_bytes(SECRET.encode(), "secret.txt", "c")
    app = sqlite3.connect(corpus.context.settings.data_dir / "plagdetect.db")  # another process stays connected
    app.execute("SELECT count(*) FROM collections").fetchall()
    reader = long_reader(corpus)
    corpus.delete_document(gone.document_id)
    corpus.close()  # the process ends before its reader did: nothing retries the wipe
    reader.close()
    try:
        assert holding_the_secret(corpus)  # the log still holds the deleted text
        assert (corpus.context.settings.data_dir / "plagdetect.db-wipe-owed").exists()
        reopened = Corpus.open(corpus.context.settings, encoder=corpus.context.encoder)
        try:
            assert holding_the_secret(reopened) == [] and not reopened.wipe_pending
        finally:
            reopened.close()
    finally:
        app.close()
