"""Fine-tuning the SPLADE explainer on STS-B with the sentence-transformers sparse trainer.

The recipe of the sentence-transformers sparse STS example: SparseCosineSimilarityLoss (the cosine of two
sparse vectors should match the pair's score) inside SpladeLoss, whose FLOPS regulariser keeps the vectors
sparse. Validation: Spearman on STS-B dev, which picks the best checkpoint, with the average number of active
dimensions beside it. The model is saved in fp16 safetensors with ``evaluation.json``. Nothing is downloaded.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from plagdetect.training.common import TrainingConfig, fit_and_save, pairs_dataset
from plagdetect.training.data import Pair

logger = logging.getLogger(__name__)

STS_METRIC = "sts-dev_spearman_cosine"
DEFAULT_CONFIG = replace(TrainingConfig(), learning_rate=5e-5, max_length=256)
# Weight of the FLOPS regulariser on both texts of a pair (both are "documents" here): higher is sparser.
DEFAULT_REGULARIZER_WEIGHT = 3e-3


def train_splade(
    base_model: str | Path,
    train: list[Pair],
    sts_dev: list[Pair],
    out_dir: str | Path,
    config: TrainingConfig = DEFAULT_CONFIG,
    regularizer_weight: float = DEFAULT_REGULARIZER_WEIGHT,
    show_progress: bool = True,
) -> dict[str, float]:
    """Train, keep the best checkpoint by STS-B dev Spearman, save it in fp16 to ``out_dir``; its metrics."""
    import torch
    from sentence_transformers.sparse_encoder import SparseEncoder, SparseEncoderTrainer, SparseEncoderTrainingArguments
    from sentence_transformers.sparse_encoder.evaluation import SparseEmbeddingSimilarityEvaluator
    from sentence_transformers.sparse_encoder.losses import SparseCosineSimilarityLoss, SpladeLoss
    from transformers import set_seed

    set_seed(config.seed)
    model = SparseEncoder(
        str(base_model), local_files_only=True, similarity_fn_name="cosine", model_kwargs={"dtype": torch.float32}
    )
    model.max_seq_length = config.max_length
    evaluator = SparseEmbeddingSimilarityEvaluator(
        sentences1=[p.text_a for p in sts_dev],
        sentences2=[p.text_b for p in sts_dev],
        scores=[p.label for p in sts_dev],
        main_similarity="cosine",
        name="sts-dev",
        write_csv=False,
    )
    dataset = pairs_dataset(train)
    loss = SpladeLoss(
        model,
        loss=SparseCosineSimilarityLoss(model),
        document_regularizer_weight=regularizer_weight,
        use_document_regularizer_only=True,
    )
    metrics = fit_and_save(
        SparseEncoderTrainer,
        SparseEncoderTrainingArguments,
        model,
        dataset,
        loss,
        evaluator,
        config,
        STS_METRIC,
        out_dir,
        show_progress,
        train_pairs=len(train),
        sts_dev_pairs=len(sts_dev),
        regularizer_weight=regularizer_weight,
    )
    logger.info("SPLADE explainer saved to %s: %s", out_dir, metrics)
    return metrics
