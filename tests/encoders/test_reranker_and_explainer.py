"""The models PlagDetect ships in models/: they load offline on the CPU and do what detection relies on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plagdetect.encoders.cross_encoder import Reranker, load_reranker
from plagdetect.encoders.splade import Explainer, load_explainer
from plagdetect.errors import PlagDetectError
from plagdetect.settings import Settings

from builders import weight_dtypes

SETTINGS = Settings()
PARAPHRASE = (
    "The printing press let books be produced quickly and cheaply, so that reading spread well beyond the clergy.",
    "Thanks to the press, books became fast and inexpensive to make, and literacy reached far past the churchmen.",
)
UNRELATED = (
    PARAPHRASE[0],
    "Volcanic eruptions release ash and sulphur dioxide that can cool the climate for several years.",
)


@pytest.fixture(scope="module")
def reranker() -> Reranker:
    return load_reranker(SETTINGS.resolved_cross_encoder, "cpu")


@pytest.fixture(scope="module")
def explainer() -> Explainer:
    return load_explainer(SETTINGS.resolved_splade, "cpu")


@pytest.mark.parametrize("folder", [SETTINGS.resolved_cross_encoder, SETTINGS.resolved_splade])
def test_each_shipped_model_has_fp16_weights_a_card_and_its_scores(folder: str) -> None:
    path = Path(folder)
    assert weight_dtypes(path) == {"torch.float16"}
    card = (path / "README.md").read_text()
    assert "plagdetect train" in card and "Licence" in card
    metrics = json.loads((path / "evaluation.json").read_text())["metrics"]
    assert any(name.startswith("sts-dev_spearman") for name in metrics)


def test_the_models_together_stay_within_60_mb() -> None:
    folders = [Path(SETTINGS.resolved_cross_encoder), Path(SETTINGS.resolved_splade)]
    assert sum(f.stat().st_size for folder in folders for f in folder.rglob("*")) <= 60_000_000


def test_the_reranker_loads_offline_in_float32_on_the_cpu(reranker: Reranker) -> None:
    assert reranker.device == "cpu" and reranker.version.startswith("cross-encoder-")
    assert {str(p.dtype) for p in reranker.model.parameters()} == {"torch.float32"}


def test_the_reranker_scores_a_paraphrase_above_an_unrelated_text(reranker: Reranker) -> None:
    paraphrase, unrelated = reranker.score([PARAPHRASE, UNRELATED])
    assert paraphrase > 0.5 > unrelated
    assert reranker.score([]).shape == (0,)


def test_the_explainer_names_the_words_a_paraphrase_shares(explainer: Explainer) -> None:
    [paraphrase, unrelated] = explainer.shared_tokens([PARAPHRASE, UNRELATED], top_k=8)
    words = [word for word, _ in paraphrase]
    assert {"books", "press"} <= set(words) or {"book", "printing"} <= set(words)
    assert all(len(word) > 1 and word.isalpha() for word in words)
    weights = [weight for _, weight in paraphrase]
    assert weights == sorted(weights, reverse=True) and weights[0] > 0
    assert sum(w for _, w in unrelated) < sum(weights)
    assert explainer.shared_tokens([]) == []


def test_the_explainer_names_only_words_the_passages_hold_with_their_exact_splade_weights(
    explainer: Explainer,
) -> None:
    [tokens] = explainer.shared_tokens([PARAPHRASE], top_k=30)
    vocabulary = explainer.model.tokenizer.get_vocab()
    pieces = {
        explainer.model.tokenizer.convert_ids_to_tokens(i)
        for text in PARAPHRASE
        for i in explainer.model.tokenizer(text)["input_ids"]
    }
    assert tokens and {word for word, _ in tokens} <= pieces  # a reader can find each word in the passages
    full = explainer.model.encode(list(PARAPHRASE), convert_to_tensor=True).to_dense()
    for word, weight in tokens:
        assert weight == pytest.approx(float(full[:, vocabulary[word]].min()), abs=2e-3)


def test_a_missing_model_folder_says_which_setting_to_change(tmp_path: Path) -> None:
    with pytest.raises(PlagDetectError, match="PLAGDETECT_CROSS_ENCODER"):
        Reranker(tmp_path / "nowhere", "cpu")
    with pytest.raises(PlagDetectError, match="PLAGDETECT_SPLADE"):
        Explainer(tmp_path / "nowhere", "cpu")
