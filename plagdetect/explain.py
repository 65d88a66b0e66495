"""The explainer: which words make two passages alike, read from SPLADE sparse vectors.

A SPLADE model maps a text to weights over its vocabulary (the words it contains and related words it
expands to). The words both passages weigh, each with the smaller of its two weights, are what the two have
in common: for a paraphrase that includes synonyms the texts do not share literally. PlagDetect fine-tunes its
own on STS-B (``plagdetect train splade``) and ships it in ``models/splade``; it is loaded offline.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Sequence
from pathlib import Path

from plagdetect.encoders import choose_device, model_version
from plagdetect.errors import PlagDetectError

logger = logging.getLogger(__name__)

Token = tuple[str, float]

# Function words say nothing about why two passages are alike.
FUNCTION_WORDS = frozenset(
    """a about after all also an and any are as at be been before being but by can could did do does for from
    had has have he her his how if in into is it its may might more most must no not of on one only or other
    our out over she should so some such than that the their them then there these they this those through to
    too under up upon very was we were what when where which while who whom why will with would you your""".split()
)


def _is_word(token: str) -> bool:
    """Content words only: no word pieces (``##ing``), punctuation, digits alone, special or function words."""
    return (
        len(token) > 1
        and not token.startswith(("##", "["))
        and any(c.isalpha() for c in token)
        and token not in FUNCTION_WORDS
    )


class Explainer:
    """Names the words two texts share, with weights, from their SPLADE vectors."""

    def __init__(self, path: str | os.PathLike, device: str = "auto", batch_size: int = 32) -> None:
        import torch
        from sentence_transformers.sparse_encoder import SparseEncoder

        if not Path(path).is_dir():
            raise PlagDetectError(
                f"SPLADE folder not found: {path} (set PLAGDETECT_SPLADE, or PLAGDETECT_EXPLAIN=false)"
            )
        self.path = str(path)
        self.version = model_version(path)
        self.device = choose_device(device)
        self.batch_size = batch_size
        dtype = torch.float16 if self.device.startswith("cuda") else torch.float32
        self.model = SparseEncoder(self.path, device=self.device, local_files_only=True, model_kwargs={"dtype": dtype})
        self.model.eval()
        logger.info("Loaded SPLADE explainer %s on %s", self.version, self.device)

    def shared_tokens(self, pairs: Sequence[tuple[str, str]], top_k: int = 10) -> list[list[Token]]:
        """For each pair, up to ``top_k`` words both texts weigh, strongest first, with their shared weight."""
        if len(pairs) == 0:
            return []
        texts = list(dict.fromkeys(text for pair in pairs for text in pair))
        row = {text: k for k, text in enumerate(texts)}
        vectors = self.model.encode(texts, batch_size=self.batch_size, convert_to_tensor=True, show_progress_bar=False)
        dense = vectors.to_dense() if vectors.is_sparse else vectors
        result = []
        for text_a, text_b in pairs:
            shared = dense[row[text_a]].minimum(dense[row[text_b]]).float()
            weights, ids = shared.topk(min(len(shared), 4 * top_k))
            tokens = self.model.tokenizer.convert_ids_to_tokens(ids.tolist())
            words = [(token, round(float(w), 3)) for token, w in zip(tokens, weights.tolist(), strict=True) if w > 0]
            result.append([(token, w) for token, w in words if _is_word(token)][:top_k])
        return result


@functools.lru_cache(maxsize=4)
def load_explainer(path: str, device: str = "auto") -> Explainer:
    """The process-wide explainer for a folder and device."""
    return Explainer(path, device=device)
