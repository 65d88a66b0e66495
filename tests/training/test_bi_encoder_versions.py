"""A bi-encoder fine-tuned on labels, and the switch that makes it serve: the corpus is embedded with it in the
background while checks go on with the serving version, then one transaction makes it serve."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from plagdetect.context import BI_ENCODER, Context
from plagdetect.encoders.bi_encoder import vectors_version
from plagdetect.errors import PlagDetectError
from plagdetect.jobs import Jobs
from plagdetect.jobs.tasks import run_job
from plagdetect.services.accounts import PermissionDenied
from plagdetect.services.checks import run_check
from plagdetect.services.corpus import Corpus
from plagdetect.services.model_registry import ModelRegistry
from plagdetect.services.reembedding import switch_bi_encoder
from plagdetect.services.review import Review
from plagdetect.training.fine_tuning import fine_tune, fine_tune_recipe

from builders import (
    ESSAY_RAILWAYS,
    ESSAY_VOLCANOES,
    PRINTING_SOURCE,
    PRINTING_SUBMISSION,
    label_lines,
    make_people,
    write_stsb_dir,
)


class Stop(Exception):
    pass


@pytest.fixture
def trained(corpus: Corpus, tmp_path: Path):
    """A corpus of three documents, people, and a bi-encoder version fine-tuned for two steps (not serving)."""
    context = corpus.context
    # int8 copies off: making one for the new version is the int8 tests' business, and slow
    context.settings = replace(
        context.settings, stsb_dir=str(write_stsb_dir(tmp_path / "stsb")), int8_submissions=False
    )
    people = make_people(context.sessions)
    for name, text in [("printing.txt", PRINTING_SOURCE), ("rail.txt", ESSAY_RAILWAYS), ("v.txt", ESSAY_VOLCANOES)]:
        corpus.ingest_bytes(text.encode(), name, "History")
    Review(context).import_labels(people["admin"], label_lines(12))
    new = fine_tune(context, people["admin"], BI_ENCODER, fine_tune_recipe(max_steps=2))
    return context, people, new


@pytest.mark.slow
def test_a_bi_encoder_is_trained_judged_and_serves_only_once_the_corpus_is_embedded_with_it(trained) -> None:
    context, people, new = trained
    admin, teacher = people["admin"], people["teacher"]
    registry = ModelRegistry(context)
    shipped = registry.active(BI_ENCODER)
    assert shipped.configured and not new.active and new.parent_id == shipped.id
    for side in ("active", "new"):  # judged on the held-out labels by cosine, and on STS-B dev
        assert 0 <= new.evaluation[side]["held_out"]["average_precision"] <= 1
        assert -1 <= new.evaluation[side]["sts_dev_spearman"] <= 1
    assert new.evaluation["threshold"] == context.settings.seed_threshold

    with pytest.raises(PlagDetectError, match="embedded with it"):
        registry.promote(admin, new.id)  # not at once: the corpus has no vectors of it
    with pytest.raises(PermissionDenied):
        Jobs(context).switch_bi_encoder(teacher, new.id)
    with pytest.raises(PlagDetectError, match="serving bi-encoder already"):
        Jobs(context).switch_bi_encoder(admin, shipped.id)

    # Killed half-way: the serving version still serves, and what was embedded is kept for the next try.
    def die_after_one_document(stage: str) -> None:
        if stage.startswith("Embedding the corpus") and " 1 of 3" in stage:
            raise Stop

    with pytest.raises(Stop):
        switch_bi_encoder(context, admin, new.id, die_after_one_document)
    assert registry.active(BI_ENCODER).id == shipped.id
    assert context.vectors.versions() == {vectors_version(shipped.version): 3, vectors_version(new.version): 1}

    # Meanwhile another process checks (and stores a document): with the serving version, whole.
    elsewhere = Context(context.settings)
    during: list = []

    def meanwhile(stage: str) -> None:
        if stage.startswith("Embedding the corpus") and not during:
            during.append(run_check(elsewhere, people["sam"], PRINTING_SUBMISSION.encode(), "essay.txt"))
            Corpus(elsewhere).ingest_bytes(b"Late document about tides and the moon. " * 20, "late.txt", "History")

    job = Jobs(context).switch_bi_encoder(admin, new.id)
    with pytest.raises(PlagDetectError, match="under way already"):
        Jobs(context).switch_bi_encoder(admin, new.id)
    result = run_job(context, context_job(context, job.id), [], meanwhile)
    assert result["version_id"] == new.id
    [check] = during
    assert check.model_versions["bi-encoder"] == vectors_version(shipped.version) and check.matches
    assert registry.active(BI_ENCODER).id == new.id
    assert context.vectors.stale_documents() == 0  # the late document too

    after = run_check(elsewhere, people["sam"], PRINTING_SUBMISSION.encode(), "essay.txt")
    assert after.model_versions["bi-encoder"] == vectors_version(new.version) and after.matches
    assert {m.source_title for m in after.matches} == {m.source_title for m in check.matches}
    assert elsewhere.index.path.stem == vectors_version(new.version)

    # Roll back: the vectors of the version switched from were kept, so only what was stored since is embedded.
    later = b"A document stored after the switch, about glaciers and fjords. " * 20
    Corpus(elsewhere).ingest_bytes(later, "g.txt", "x")
    heard: list[str] = []
    back = switch_bi_encoder(context, admin, None, heard.append)
    assert back.id == shipped.id and registry.active(BI_ENCODER).id == shipped.id
    assert heard[0].startswith("Embedding 1 document with")
    again = run_check(elsewhere, people["sam"], PRINTING_SUBMISSION.encode(), "essay.txt")
    assert again.model_versions["bi-encoder"] == vectors_version(shipped.version)
    assert again.similarity == pytest.approx(check.similarity)
    elsewhere.close()


def context_job(context: Context, job_id: int):
    """The queued job as a worker takes it."""
    return Jobs(context).queue.claim("test-worker", limit=1) or pytest.fail(f"job {job_id} was not claimable")


def test_of_two_switches_asked_for_at_the_same_moment_only_the_first_runs(corpus: Corpus) -> None:
    """Both passed the one-at-a-time look before either was queued; the later one refuses when a worker runs it."""
    context = corpus.context
    admin = make_people(context.sessions)["admin"]
    queue = Jobs(context).queue
    first = queue.submit("reembed", admin.id, "promote the bi-encoder to version 5", {"version_id": 5})
    second = queue.submit("reembed", admin.id, "promote the bi-encoder to version 6", {"version_id": 6})
    with pytest.raises(PlagDetectError, match=f"Another bi-encoder switch \\(job {first.id}\\) is under way"):
        run_job(context, queue.get(second.id), [], lambda _stage: None)
