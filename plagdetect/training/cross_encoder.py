"""Training a cross-encoder (the reranker) with the sentence-transformers trainer.

From a bi-encoder folder (the packaged MiniLM) a CrossEncoder with one output is built and trained with
BinaryCrossEntropyLoss on (text, text, label in [0, 1]) pairs. Validation: Spearman correlation on STS-B dev,
which also picks the best checkpoint and stops training early, plus held-out PAN pairs as a binary task.
The model is saved in fp16 safetensors with ``evaluation.json`` beside it. Nothing is downloaded.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from plagdetect.training.data import Pair

logger = logging.getLogger(__name__)

STS_METRIC = "sts-dev_spearman"


@dataclass(frozen=True)
class TrainingConfig:
    epochs: float = 4.0
    batch_size: int = 16
    learning_rate: float = 2e-5
    warmup_ratio: float = 0.1
    max_length: int = 256  # tokens of a pair; longer pairs are cut
    seed: int = 12
    evaluations_per_epoch: int = 4
    patience: int = 4  # evaluations without a better STS-B Spearman before training stops
    max_steps: int = -1  # > 0: stop after this many steps (a quick run)


def train_cross_encoder(
    base_model: str | Path,
    train: list[Pair],
    sts_dev: list[Pair],
    out_dir: str | Path,
    pan_validation: list[Pair] | None = None,
    config: TrainingConfig = TrainingConfig(),
    show_progress: bool = True,
) -> dict[str, float]:
    """Train, keep the best checkpoint by STS-B dev Spearman, save it in fp16 to ``out_dir``; its metrics."""
    import torch
    from datasets import Dataset
    from sentence_transformers.cross_encoder import CrossEncoder, CrossEncoderTrainer, CrossEncoderTrainingArguments
    from sentence_transformers.cross_encoder.evaluation import (
        CrossEncoderClassificationEvaluator,
        CrossEncoderCorrelationEvaluator,
    )
    from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss
    from sentence_transformers.evaluation import SequentialEvaluator
    from transformers import EarlyStoppingCallback, set_seed

    set_seed(config.seed)
    model = CrossEncoder(str(base_model), num_labels=1, max_length=config.max_length, local_files_only=True)
    evaluators = [
        CrossEncoderCorrelationEvaluator(
            sentence_pairs=[[p.text_a, p.text_b] for p in sts_dev],
            scores=[p.label for p in sts_dev],
            name="sts-dev",
            write_csv=False,
        )
    ]
    if pan_validation:
        evaluators.append(
            CrossEncoderClassificationEvaluator(
                sentence_pairs=[[p.text_a, p.text_b] for p in pan_validation],
                labels=[round(p.label) for p in pan_validation],
                name="pan-dev",
                write_csv=False,
            )
        )
    evaluator = SequentialEvaluator(evaluators)
    dataset = Dataset.from_dict(
        {"text_a": [p.text_a for p in train], "text_b": [p.text_b for p in train], "label": [p.label for p in train]}
    ).shuffle(seed=config.seed)
    steps_per_epoch = max(1, len(dataset) // config.batch_size)
    eval_steps = max(1, steps_per_epoch // config.evaluations_per_epoch)
    on_gpu = torch.cuda.is_available()
    bf16 = on_gpu and torch.cuda.is_bf16_supported()
    with tempfile.TemporaryDirectory(prefix="plagdetect-train-") as checkpoints:
        args = CrossEncoderTrainingArguments(
            output_dir=checkpoints,
            num_train_epochs=config.epochs,
            max_steps=config.max_steps,
            per_device_train_batch_size=config.batch_size,
            per_device_eval_batch_size=config.batch_size,
            learning_rate=config.learning_rate,
            warmup_ratio=config.warmup_ratio,
            fp16=on_gpu and not bf16,
            bf16=bf16,
            eval_strategy="steps",
            eval_steps=eval_steps,
            save_strategy="steps",
            save_steps=eval_steps,
            save_total_limit=2,
            load_best_model_at_end=True,
            metric_for_best_model=f"eval_{STS_METRIC}",
            greater_is_better=True,
            logging_steps=eval_steps,
            seed=config.seed,
            data_seed=config.seed,
            disable_tqdm=not show_progress,
            report_to="none",
        )
        trainer = CrossEncoderTrainer(
            model=model,
            args=args,
            train_dataset=dataset,
            loss=BinaryCrossEntropyLoss(model),
            evaluator=evaluator,
            callbacks=[EarlyStoppingCallback(early_stopping_patience=config.patience)],
        )
        trainer.train()
    metrics = {key: float(value) for key, value in evaluator(model).items()}
    _save_fp16(model, Path(out_dir))
    summary = {"metrics": metrics, "config": asdict(config), "train_pairs": len(train), "sts_dev_pairs": len(sts_dev)}
    (Path(out_dir) / "evaluation.json").write_text(json.dumps(summary, indent=2) + "\n")
    logger.info("Cross-encoder saved to %s: %s", out_dir, metrics)
    return metrics


def _save_fp16(model, out_dir: Path) -> None:
    """The model's weights in fp16 safetensors (half the size; inference casts as the device needs)."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    model.model.half()
    model.save_pretrained(str(out_dir), safe_serialization=True)
    model.model.float()
