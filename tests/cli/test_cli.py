from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from plagdetect.cli.main import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from plagdetect.errors import PlagDetectError

from builders import ESSAY_RAILWAYS, ESSAY_VOLCANOES


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([*argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def essays(tmp_path: Path) -> tuple[Path, Path]:
    rail, volcano = tmp_path / "rail.txt", tmp_path / "volcano.txt"
    rail.write_text(ESSAY_RAILWAYS)
    volcano.write_text(ESSAY_VOLCANOES)
    return rail, volcano


def test_ingest_list_delete_round_trip(capsys, essays, tmp_path: Path) -> None:
    data = tmp_path / "elsewhere"
    code, out, err = run(capsys, "--data-dir", str(data), "ingest", *map(str, essays), "--collection", "History")
    assert code == EXIT_OK, err
    assert "2 added, 0 already there, 0 failed (collection 'History')" in out
    assert (data / "plagdetect.db").exists()

    code, out, _ = run(capsys, "--data-dir", str(data), "list")
    assert code == EXIT_OK and "rail" in out and "volcano" in out and "2 document(s)" in out

    code, out, _ = run(capsys, "--data-dir", str(data), "delete", "1")
    assert code == EXIT_OK and out.startswith("deleted 1: rail")
    code, out, _ = run(capsys, "--data-dir", str(data), "list", "--collection", "History")
    assert "rail" not in out and "1 document(s)" in out

    code, _, err = run(capsys, "--data-dir", str(data), "delete", "1")
    assert code == EXIT_FAILED and "No document with id 1" in err


def test_the_data_directory_comes_from_the_environment(capsys, essays, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PLAGDETECT_DATA_DIR", str(tmp_path / "from-env"))
    code, _, _ = run(capsys, "ingest", str(essays[0]), "--no-progress")
    assert code == EXIT_OK
    assert (tmp_path / "from-env" / "plagdetect.db").exists()


def test_a_bad_file_fails_the_command_but_not_the_other_files(capsys, essays, tmp_path: Path) -> None:
    empty = tmp_path / "empty.docx"
    empty.write_bytes(b"")
    code, out, err = run(capsys, "ingest", str(essays[0]), str(empty), str(essays[1]), "--no-progress")
    assert code == EXIT_FAILED
    assert f"error: {empty}: the file is empty" in err.splitlines()
    assert "2 added, 0 already there, 1 failed" in out

    code, out, _ = run(capsys, "ingest", str(essays[0]), "--no-progress")
    assert code == EXIT_OK and "0 added, 1 already there, 0 failed" in out and "already in collection" in out


def test_reindex_and_an_unknown_collection(capsys, essays) -> None:
    run(capsys, "ingest", str(essays[0]), "--no-progress")
    code, out, _ = run(capsys, "reindex")
    assert code == EXIT_OK and "index rebuilt with" in out
    code, _, err = run(capsys, "list", "--collection", "nope")
    assert code == EXIT_FAILED and "No collection named 'nope'" in err


def test_a_check_warns_of_documents_it_cannot_search_until_a_reindex(capsys, essays, tmp_path: Path) -> None:
    from sqlalchemy import update

    from plagdetect.services.corpus import Corpus
    from plagdetect.settings import Settings
    from plagdetect.store import Chunk, SentenceVectors

    run(capsys, "ingest", str(essays[0]), "--no-progress")
    corpus = Corpus.open(Settings.from_env())
    with corpus.context.sessions.begin() as session:
        session.execute(update(Chunk).values(encoder_version="older-model"))
        session.execute(update(SentenceVectors).values(encoder_version="older-model"))
    corpus.close()
    copy = tmp_path / "copy.txt"
    copy.write_text(ESSAY_RAILWAYS + "\n\nI copied all of the above.")
    code, out, err = run(capsys, "check", str(copy))
    warning = "1 document(s) embedded by an older version are searched for word-for-word copies only; run `plag"
    assert code == EXIT_OK and warning in err
    assert "from 'rail'" in out  # a copy word for word is found without the vectors: by the lexical path
    run(capsys, "reindex")
    code, out, err = run(capsys, "check", str(copy))
    assert "warning" not in err and "similarity index 0.0%" not in out and "from 'rail'" in out


def test_a_check_starts_from_the_defaults_an_admin_stored_as_the_app_does(capsys, essays, tmp_path: Path) -> None:
    from plagdetect.context import Context
    from plagdetect.services.check_defaults import CheckDefaults, save_defaults
    from plagdetect.settings import Settings

    from builders import make_people

    run(capsys, "ingest", str(essays[0]), "--no-progress")
    context = Context(Settings.from_env())
    strict = CheckDefaults(exclude_quotes=True, exclude_bibliography=True, min_match_words=200, rerank_threshold=0.9)
    save_defaults(context, make_people(context.sessions)["admin"], strict)
    context.close()
    copy = tmp_path / "copy.txt"
    copy.write_text(ESSAY_RAILWAYS + "\n\nI copied all of the above.")
    code, out, _ = run(capsys, "check", str(copy), "--json", str(tmp_path / "report.json"))
    assert code == EXIT_OK and "similarity index 0.0%" in out  # the copy is shorter than 200 words
    used = json.loads((tmp_path / "report.json").read_text())["settings"]
    assert (used["min_match_words"], used["rerank_threshold"]) == (200, 0.9)


def test_a_check_and_a_stored_report_are_written_as_pdf(capsys, essays, tmp_path: Path) -> None:
    import pypdf

    run(capsys, "ingest", str(essays[0]), "--no-progress")
    copy = tmp_path / "copy.txt"
    copy.write_text(ESSAY_RAILWAYS + "\n\nI copied all of the above.")
    code, out, err = run(capsys, "check", str(copy), "--pdf", str(tmp_path / "out" / "check.pdf"))
    assert code == EXIT_OK and "report written to" in err
    check_id = int(out.split("(check ")[1].split(")")[0])
    code, out, _ = run(capsys, "report", str(check_id), "--pdf", str(tmp_path / "again.pdf"))
    assert code == EXIT_OK and "from 'rail'" in out  # the stored report, shown as the check showed it
    for name in ("out/check.pdf", "again.pdf"):
        text = " ".join(page.extract_text() for page in pypdf.PdfReader(tmp_path / name).pages)
        assert "Similarity report" in text and "rail" in text and "copy.txt" in text
    code, _, err = run(capsys, "report", "999")
    assert code == EXIT_FAILED and "No check with id 999" in err


def test_usage_errors_exit_with_2(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["delete", "not-a-number"])
    assert exit_info.value.code == EXIT_USAGE


def test_the_console_entry_point_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "plagdetect", "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0
    for command in ("ingest", "list", "delete", "reindex", "bench"):
        assert command in result.stdout


def test_accounts_from_the_command_line(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from plagdetect.services.accounts import Accounts
    from plagdetect.settings import Settings
    from plagdetect.store import make_engine, make_session_factory

    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    code, out, _ = run(capsys, "user", "add", "ada", "--role", "admin", "--password-stdin")
    assert code == EXIT_OK and "created ada (admin)" in out
    accounts = Accounts(make_session_factory(make_engine(Settings.from_env().resolved_database_url)))
    assert accounts.authenticate("ada", "a long password").role.value == "admin"

    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    code, _, err = run(capsys, "user", "add", "sam", "--password-stdin")
    assert code == EXIT_FAILED and "at least 8 characters" in err

    monkeypatch.setattr("sys.stdin", io.StringIO("forgotten no more\n"))
    assert run(capsys, "user", "password", "ada", "--password-stdin")[0] == EXIT_OK
    assert accounts.authenticate("ada", "forgotten no more").username == "ada"
    assert run(capsys, "user", "disable", "ada")[0] == EXIT_OK
    code, out, _ = run(capsys, "user", "list")
    assert "ada" in out and "admin" in out and " no" in out
    code, _, err = run(capsys, "user", "enable", "nobody")
    assert code == EXIT_FAILED and "No account named 'nobody'" in err

    from plagdetect.services.sign_in import LOCK_AFTER

    run(capsys, "user", "enable", "ada")
    clock = iter(range(0, 10**6, 200))  # a patient guesser, waiting out each delay
    guesser = Accounts(accounts.users.sessions, clock=lambda: float(next(clock)))
    for k in range(LOCK_AFTER):
        with pytest.raises(PlagDetectError, match="Wrong username or password"):
            guesser.authenticate("ada", f"guess {k}")
    code, out, _ = run(capsys, "user", "list")
    assert "locked" in out
    assert run(capsys, "user", "unlock", "ada")[0] == EXIT_OK
    assert "locked" not in run(capsys, "user", "list")[1]
    assert accounts.authenticate("ada", "forgotten no more").username == "ada"


def test_a_file_name_that_is_not_text_or_carries_escapes_neither_stops_an_ingest_nor_reaches_the_terminal(
    capsys, tmp_path: Path
) -> None:
    import os

    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "a_good.txt").write_text(ESSAY_RAILWAYS)
    bad = os.path.join(os.fsencode(folder), b"m_bad\xff\xfe.txt")
    with open(bad, "w") as handle:
        handle.write(ESSAY_VOLCANOES)
    (folder / "n_esc\x1b]0;owned\x07\x1b[2J.txt").write_text(ESSAY_VOLCANOES + " Again.")
    (folder / "z_after.txt").write_text(ESSAY_RAILWAYS + " Once more, with feeling.")
    code, out, err = run(capsys, "ingest", str(folder), "--no-progress")
    assert code == EXIT_OK, err
    assert "4 added, 0 already there, 0 failed" in out and "m_bad\ufffd\ufffd.txt" in out
    code, listing, _ = run(capsys, "list")
    assert "\x1b" not in out + listing and "\x07" not in out + listing and "n_esc]0;owned[2J" in listing
    code, out, err = run(capsys, "check", os.fsdecode(bad))
    assert code == EXIT_OK and out.startswith("m_bad\ufffd\ufffd.txt: similarity index"), err


def test_a_terminated_ingest_cancels_its_job_and_says_what_was_kept(tmp_path: Path) -> None:
    """``kill`` (SIGTERM) on a running `plagdetect ingest` cancels its job, as Ctrl-C does; it is not left to run."""
    import signal
    import sqlite3
    import time

    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(30):
        (folder / f"{i:02}.txt").write_text(f"Essay {i}. " + (ESSAY_RAILWAYS, ESSAY_VOLCANOES)[i % 2])
    data = tmp_path / "data"
    command = [sys.executable, "-m", "plagdetect", "--data-dir", str(data), "ingest", str(folder), "--no-progress"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    database = data / "plagdetect.db"
    while time.monotonic() < deadline and process.poll() is None:
        if database.exists():
            connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1)
            try:
                started = connection.execute("SELECT count(*) FROM documents").fetchone()[0] > 0
            except sqlite3.OperationalError:  # the tables are being created
                started = False
            connection.close()
            if started:
                process.send_signal(signal.SIGTERM)
                break
        time.sleep(0.05)
    out, err = process.communicate(timeout=120)
    assert process.returncode == EXIT_FAILED, (out, err)
    assert "cancelling" in err and "Cancelled; the files added before it stopped stay in the corpus." in err
    connection = sqlite3.connect(database)
    [(state,)] = connection.execute("SELECT state FROM jobs").fetchall()
    added = connection.execute("SELECT count(*) FROM documents").fetchone()[0]
    connection.close()
    assert state == "cancelled" and 0 < added < 30
