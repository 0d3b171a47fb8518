"""Read corpus/: the metadata file and the source texts. Does not parse the texts."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any, get_args

from .errors import CorpusError
from .schema import Source, Stance

METADATA_FILE = "sources.toml"
FORMATS = ("scan", "pdf", "web")
_REQUIRED = ("id", "file", "format", "title", "author", "year", "form", "viewpoint", "stance", "description")
_LIST_FIELDS = ("unconfirmed", "running_headers", "aliases")
_TEXT_FIELDS = {f.name for f in fields(Source)} - set(_LIST_FIELDS)


def load_sources(corpus_dir: Path) -> list[Source]:
    """Parse corpus/sources.toml into Sources, with errors that name the file and field."""
    path = corpus_dir / METADATA_FILE
    if not path.is_file():
        raise CorpusError(f"{path}: metadata file not found; create it with one [[source]] per text")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: not valid TOML ({exc}); fix the file") from exc
    entries = data.get("source")
    if not isinstance(entries, list) or not entries:
        raise CorpusError(f"{path}: no [[source]] entries; add one per text")
    sources = [_parse_entry(path, i, entry) for i, entry in enumerate(entries)]
    ids = [s.id for s in sources]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        raise CorpusError(f"{path}: source id {dup!r} is used twice; ids must be unique")
    for source in sources:
        if not (corpus_dir / source.file).is_file():
            raise CorpusError(f"{path}: source {source.id!r}, field 'file': {source.file!r} not found in {corpus_dir}")
    return sources


def _parse_entry(path: Path, index: int, entry: Any) -> Source:
    where = f"{path}: [[source]] #{index + 1}"
    if not isinstance(entry, dict):
        raise CorpusError(f"{where}: expected a table of fields")
    if isinstance(entry.get("id"), str):
        where = f"{path}: source {entry['id']!r}"
    for name in _REQUIRED:
        if not isinstance(entry.get(name), str) or not entry[name].strip():
            raise CorpusError(f"{where}, field {name!r}: missing or empty; it must be a non-empty string")
    unknown = set(entry) - {f.name for f in fields(Source)}
    if unknown:
        raise CorpusError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}; check the spelling")
    for name in _TEXT_FIELDS & set(entry):
        if not isinstance(entry[name], str):
            raise CorpusError(f"{where}, field {name!r}: must be a string")
    if entry["format"] not in FORMATS:
        raise CorpusError(f"{where}, field 'format': {entry['format']!r} is not one of {', '.join(FORMATS)}")
    if entry["stance"] not in get_args(Stance):
        raise CorpusError(f"{where}, field 'stance': {entry['stance']!r} is not one of {', '.join(get_args(Stance))}")
    lists = {}
    for name in _LIST_FIELDS:
        value = entry.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise CorpusError(f"{where}, field {name!r}: must be a list of strings")
        lists[name] = tuple(value)
    bad = set(lists["unconfirmed"]) - _TEXT_FIELDS
    if bad:
        raise CorpusError(f"{where}, field 'unconfirmed': {', '.join(sorted(bad))} are not fields")
    values = {k: v for k, v in entry.items() if k in _TEXT_FIELDS}
    values.setdefault("publisher", "unknown")
    values.setdefault("url", "")
    return Source(**values, **lists)


def read_text(corpus_dir: Path, source: Source) -> str:
    """The source file's text, exactly as stored (quotes are checked against it)."""
    path = corpus_dir / source.file
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path}: not valid UTF-8 at byte {exc.start}; re-save the file as UTF-8") from exc
    except OSError as exc:
        raise CorpusError(f"{path}: cannot be read ({exc.strerror})") from exc


def corpus_hash(corpus_dir: Path, sources: list[Source]) -> str:
    """SHA-256 over the metadata file and every source text: changes whenever either does."""
    digest = hashlib.sha256((corpus_dir / METADATA_FILE).read_bytes())
    for source in sources:
        digest.update(source.id.encode())
        digest.update((corpus_dir / source.file).read_bytes())
    return digest.hexdigest()
