"""Model bundles: one checkpoint packed as a ``.tar.gz`` with a SHA-256 manifest, to carry to
an air-gapped machine on approved media (``packaging/model-bundle`` runs this module).

A bundle holds the checkpoint's files, flat (exactly those the model store takes: config,
tokenizer, weights), then ``medsum-bundle.json``::

    {"format": "medsum-model-bundle/1", "created_at": "...", "medsum_version": "0.1.0",
     "exported": {"from": "store", "name": "bart-1", "architecture": "...", ...},
     "files": {"config.json": {"sha256": "...", "size": 1005}, ...}, "total_size": 5453449}

The manifest describes the model only (names, architecture, hashes and sizes): no dataset
content and no path goes into a bundle.

Reading is strict. Every member must be a regular file with a plain top-level name (no
absolute path, no ``..``, no link, device, directory or FIFO), appear once, and be listed in
the manifest with its size and SHA-256; nothing may be missing or extra. :mod:`tarfile` never
extracts anything itself: a member's bytes are copied into a new private file and hashed as
they are written, so a bundle that changes between verification and extraction is caught too.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import re
import shutil
import tarfile
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import IO, Any

from core.audit import Auditor
from core.errors import MedsumError, one_line
from core.hashing import sha256_file
from core.models.arch import inspect_config
from core.models.checkpoint import select_files
from core.models.entry import ModelError, check_name
from core.models.manifest import MANIFEST, FileRecord, read_manifest
from core.models.store import import_model, models_dir, temp_dir
from core.units import format_size

__all__ = [
    "BUNDLE_FORMAT",
    "BUNDLE_MANIFEST",
    "BundleError",
    "BundleInfo",
    "ExportResult",
    "export_directory",
    "export_stored",
    "extract_bundle",
    "import_bundle",
    "verify_bundle",
]

BUNDLE_MANIFEST = "medsum-bundle.json"
BUNDLE_FORMAT = "medsum-model-bundle/1"
_CHUNK = 1 << 20
_MAX_MANIFEST = 1 << 20  # bytes; a manifest lists a few dozen files at most
_MAX_FILES = 1000
_SHA256 = re.compile(r"[0-9a-f]{64}")
_PICKLE = re.compile(r"pytorch_model.*\.bin")
_KINDS = {
    tarfile.SYMTYPE: "symbolic link", tarfile.LNKTYPE: "hard link", tarfile.DIRTYPE: "directory",
    tarfile.CHRTYPE: "character device", tarfile.BLKTYPE: "block device", tarfile.FIFOTYPE: "FIFO",
    tarfile.CONTTYPE: "contiguous file", tarfile.GNUTYPE_SPARSE: "sparse file",
}

#: Hears each file as it is hashed: its name in the bundle and its size in bytes.
OnFile = Callable[[str, int], None]


class BundleError(MedsumError):
    """A bundle cannot be written, read or trusted; the message names the bundle and the file."""


@dataclass(frozen=True)
class BundleInfo:
    """What a bundle's manifest says (what was exported, when, every file's hash and size), and
    the SHA-256 of the ``.tar.gz`` itself, to compare with the one recorded at export."""

    path: Path
    created_at: str
    medsum_version: str
    exported: dict[str, Any]
    files: dict[str, FileRecord]
    sha256: str

    @property
    def total_size(self) -> int:
        """The bytes of all the checkpoint's files (uncompressed)."""
        return sum(record["size"] for record in self.files.values())

    def describe(self) -> str:
        """One line for people: what the bundle holds and where it came from."""
        source = self.exported.get("from", "?")
        origin = f"store model {self.exported.get('name')}" if source == "store" else \
            f"directory {self.exported.get('name')}"
        return (f"{len(self.files)} files, {format_size(self.total_size)}, "
                f"{self.exported.get('architecture', 'unknown architecture')}, exported from {origin} "
                f"on {self.created_at} by MedSum {self.medsum_version}")


@dataclass(frozen=True)
class ExportResult:
    """A bundle just written: its manifest and SHA-256, and the size of the ``.tar.gz``."""

    info: BundleInfo
    size: int


def _quiet(name: str, size: int) -> None:
    return None


def _version() -> str:
    try:
        return metadata.version("medsum")
    except metadata.PackageNotFoundError:
        return "unknown"


# --- writing ---------------------------------------------------------------------------------


class _HashingWriter:
    """A write-only file that hashes and counts what passes through to ``raw``."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self._raw.write(data)
        self.digest.update(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        self._raw.flush()


class _HashingReader:
    """A read-only file that hashes and counts what is read from ``raw``, and keeps a read error
    apart from a write error (both reach :func:`tarfile.TarFile.addfile` as ``OSError``)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.digest = hashlib.sha256()
        self.size = 0
        self.error: OSError | None = None

    def read(self, n: int = -1) -> bytes:
        try:
            data = self._raw.read(n)
        except OSError as exc:
            self.error = exc
            raise
        self.digest.update(data)
        self.size += len(data)
        return data

    def record(self) -> FileRecord:
        return {"sha256": self.digest.hexdigest(), "size": self.size}


def _tarinfo(name: str, size: int, mtime: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode, info.type = size, mtime, 0o644, tarfile.REGTYPE
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def _write_bundle(out: Path, items: list[tuple[str, Path, FileRecord | None]], exported: dict[str, Any],
                  on_file: OnFile) -> ExportResult:
    """Write ``items`` (name in the bundle, source file, the record it must match or None) and the
    manifest to ``out``, through a hidden temporary file that is renamed into place at the end."""
    out = Path(out)
    if out.exists() or out.is_symlink():
        raise BundleError(f"{out}: already exists: choose another file name or remove it", exit_code=2)
    if not out.parent.is_dir():
        raise BundleError(f"{out}: directory {out.parent} does not exist")
    sizes: dict[str, int] = {}
    for rel, path, _ in items:
        try:
            sizes[rel] = path.stat().st_size
        except OSError as exc:
            raise BundleError(f"{path}: cannot read ({exc.strerror or exc.__class__.__name__})") from None
    need, free = sum(sizes.values()), shutil.disk_usage(out.parent).free
    if free < need:
        raise BundleError(f"{out}: not enough space in {out.parent} ({format_size(free)} free, the bundle needs up to "
                          f"{format_size(need)})")
    created = datetime.now(UTC).replace(microsecond=0)
    mtime = int(created.timestamp())
    tmp = out.parent / f".{out.name}.{uuid.uuid4().hex}.partial"
    files: dict[str, FileRecord] = {}
    try:
        with open(tmp, "xb") as raw:
            sink = _HashingWriter(raw)
            with tarfile.open(fileobj=sink, mode="w:gz",  # type: ignore[call-overload]
                              format=tarfile.PAX_FORMAT, compresslevel=6) as tar:
                for rel, path, expected in items:
                    on_file(rel, sizes[rel])
                    files[rel] = _add_file(tar, rel, path, sizes[rel], mtime, out)
                    if expected is not None and files[rel] != expected:
                        raise BundleError(f"{path}: does not match its manifest (changed since it was imported): "
                                          "refusing to export it; see medsum models verify")
                info = BundleInfo(out, created.isoformat(), _version(), exported, files, sha256="")
                manifest = _manifest_bytes(info)
                tar.addfile(_tarinfo(BUNDLE_MANIFEST, len(manifest), mtime), io.BytesIO(manifest))
            raw.flush()
            os.fsync(raw.fileno())
        if out.exists():
            raise BundleError(f"{out}: appeared while the bundle was written: not replacing it", exit_code=2)
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise BundleError(f"{out}: cannot write ({_write_problem(exc)})") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return ExportResult(replace(info, sha256=sink.digest.hexdigest()), sink.size)


def _add_file(tar: tarfile.TarFile, rel: str, path: Path, size: int, mtime: int, out: Path) -> FileRecord:
    try:
        handle = open(path, "rb")  # noqa: SIM115  (closed by the with below)
    except OSError as exc:
        raise BundleError(f"{path}: cannot read ({exc.strerror or exc.__class__.__name__})") from None
    with handle:
        reader = _HashingReader(handle)
        try:
            tar.addfile(_tarinfo(rel, size, mtime), reader)
        except OSError as exc:
            if reader.error is not None:
                raise BundleError(f"{path}: cannot read ({reader.error.strerror or one_line(reader.error)})") from None
            if reader.size < size:
                raise BundleError(f"{path}: got shorter while it was read: export again once nothing writes it") from None
            raise BundleError(f"{out}: cannot write ({_write_problem(exc)})") from None
    return reader.record()


def _write_problem(exc: OSError) -> str:
    reason = exc.strerror or one_line(exc)
    if exc.errno == errno.EFBIG:
        reason += "; the medium's file system limits file size (FAT32: 4 GiB): use exFAT or ext4"
    return reason


def _manifest_bytes(info: BundleInfo) -> bytes:
    data = {"format": BUNDLE_FORMAT, "created_at": info.created_at, "medsum_version": info.medsum_version,
            "exported": info.exported, "files": dict(sorted(info.files.items())), "total_size": info.total_size}
    return (json.dumps(data, indent=2) + "\n").encode("utf-8")


def export_directory(src: Path, out: Path, *, allow_pickle: bool = False, on_file: OnFile | None = None) -> ExportResult:
    """Pack checkpoint directory ``src`` into the new bundle ``out`` (``.tar.gz``).

    Takes exactly the files ``medsum models import`` would (config, tokenizer, safetensors
    weights; pickle ``.bin`` weights only with ``allow_pickle``) and refuses a checkpoint the
    store would refuse, with the store's message. ``out`` must not exist; a failed export leaves
    nothing. ``on_file(name, size)`` hears each file as it is packed.
    """
    src = Path(src)
    if not src.is_dir():
        raise BundleError(f"{src}: not a directory (export a checkpoint directory, or a stored model with --model)")
    model_type, arch = inspect_config(src / "config.json")
    selection = select_files(src, allow_pickle)
    exported = {"from": "directory", "name": src.resolve().name, "model_type": model_type,
                "family": arch.family, "architecture": arch.architecture, "allow_pickle": selection.pickle_weights}
    items: list[tuple[str, Path, FileRecord | None]] = [(rel, src / rel, None) for rel in selection.files]
    return _write_bundle(out, items, exported, on_file or _quiet)


def export_stored(root: Path, name: str, out: Path, *, on_file: OnFile | None = None) -> ExportResult:
    """Pack model ``name`` from the store of the workspace at ``root`` into the new bundle ``out``.

    Every file is checked against the model's store manifest as it is packed, so a model whose
    files changed since import is refused (nothing is written). The export is recorded in the
    audit log as ``models.export`` (model name, manifest and bundle SHA-256, never a path).
    """
    check_name(name)
    path = models_dir(root) / name
    if not path.is_dir():
        raise ModelError(f"no model named {name} in the store (see medsum models list)")
    entry, files = read_manifest(path)
    auditor = Auditor(root)  # before the work, so a missing secret store fails fast
    exported = {"from": "store", "name": entry.name, "model_type": entry.model_type, "family": entry.family,
                "architecture": entry.architecture, "parameters": entry.parameters, "source": entry.source,
                "allow_pickle": entry.allow_pickle}
    items: list[tuple[str, Path, FileRecord | None]] = [(rel, path / rel, rec) for rel, rec in sorted(files.items())]
    result = _write_bundle(out, items, exported, on_file or _quiet)
    auditor.event("models.export", model=name, manifest_sha256=sha256_file(path / MANIFEST)[0],
                  bundle_sha256=result.info.sha256, files=len(files))
    return result


# --- reading ---------------------------------------------------------------------------------


def _name_problem(name: str) -> str | None:
    """Why ``name`` is not a plain top-level file name, or None when it is one."""
    if not name:
        return "has an empty name"
    if any(ord(c) < 32 or c == "\x7f" for c in name):
        return "has control characters in its name"
    if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name):
        return "is an absolute path"
    parts = re.split(r"[/\\]", name)
    if ".." in parts:
        return "points outside the bundle (..)"
    if len(parts) > 1 or name == ".":
        return "is not a top-level file name (a bundle holds top-level files only)"
    return None


def _check_member(bundle: Path, member: tarfile.TarInfo, seen: set[str]) -> None:
    name = member.name
    problem = _name_problem(name)
    if problem:
        raise BundleError(f"{bundle}: member {name!r} {problem}: refusing the bundle")
    if member.type not in (tarfile.REGTYPE, tarfile.AREGTYPE):
        kind = _KINDS.get(member.type, f"member of type {member.type!r}")
        raise BundleError(f"{bundle}: member {name!r} is a {kind}; a bundle holds regular files only: refusing it")
    if name in seen:
        raise BundleError(f"{bundle}: member {name!r} appears twice: refusing the bundle")
    if len(seen) >= _MAX_FILES:
        raise BundleError(f"{bundle}: more than {_MAX_FILES} members: not a model bundle")
    seen.add(name)


def _each_member(bundle: Path, visit: Callable[[str, int, IO[bytes]], None]) -> str:
    """Read the bundle once, front to back, checking each member's header before ``visit`` reads
    it; return the SHA-256 of the whole file."""
    seen: set[str] = set()
    try:
        with open(bundle, "rb") as handle:
            raw = _HashingReader(handle)
            with tarfile.open(fileobj=raw, mode="r|gz") as tar:  # type: ignore[call-overload]
                for member in tar:
                    _check_member(bundle, member, seen)
                    reader = tar.extractfile(member)
                    if reader is None:  # pragma: no cover - regular files always have a reader
                        raise BundleError(f"{bundle}: member {member.name!r} cannot be read")
                    visit(member.name, member.size, reader)
            while raw.read(_CHUNK):  # the end-of-archive padding and the gzip trailer
                pass
            return raw.digest.hexdigest()
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        raise BundleError(f"{bundle}: not a readable .tar.gz, or damaged or cut short ({one_line(exc)})") from None
    except OSError as exc:
        raise BundleError(f"{bundle}: cannot read ({exc.strerror or one_line(exc)})") from None


def _parse_manifest(bundle: Path, raw: bytes, sha256: str) -> BundleInfo:
    where = f"{bundle}: {BUNDLE_MANIFEST}"
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BundleError(f"{where}: not valid JSON") from None
    if not isinstance(data, dict) or data.get("format") != BUNDLE_FORMAT:
        found = data.get("format") if isinstance(data, dict) else None
        raise BundleError(f"{where}: format {found!r}, expected {BUNDLE_FORMAT!r} (made by another MedSum version?)")
    listed = data.get("files")
    if not isinstance(listed, dict) or not listed:
        raise BundleError(f"{where}: no file list")
    files: dict[str, FileRecord] = {}
    for name, record in listed.items():
        problem = _name_problem(name) if name != BUNDLE_MANIFEST else "is the manifest's own name"
        if problem:
            raise BundleError(f"{where}: listed file {name!r} {problem}: refusing the bundle")
        digest = record.get("sha256") if isinstance(record, dict) else None
        size = record.get("size") if isinstance(record, dict) else None
        if not isinstance(digest, str) or not _SHA256.fullmatch(digest) or type(size) is not int or size < 0:
            raise BundleError(f"{where}: {name}: needs a sha256 (64 hex digits) and a size in bytes")
        files[name] = {"sha256": digest, "size": size}
    exported = data.get("exported")
    return BundleInfo(bundle, str(data.get("created_at", "")), str(data.get("medsum_version", "unknown")),
                      exported if isinstance(exported, dict) else {}, files, sha256)


def _hash_stream(reader: IO[bytes]) -> FileRecord:
    digest = hashlib.sha256()
    size = 0
    while chunk := reader.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return {"sha256": digest.hexdigest(), "size": size}


def _mismatches(listed: dict[str, FileRecord], found: dict[str, FileRecord]) -> list[str]:
    problems = [f"{name} ({'missing' if name not in found else 'changed'})"
                for name, record in sorted(listed.items()) if found.get(name) != record]
    return problems + [f"{name} (extra)" for name in sorted(set(found) - set(listed))]


def verify_bundle(bundle: Path, *, on_file: OnFile | None = None) -> BundleInfo:
    """Check bundle ``bundle`` without extracting anything, and return what its manifest says.

    Refuses (:class:`BundleError` naming the bundle and the member) an unsafe member (absolute
    or ``..`` path, link, device, directory, duplicate), a missing or malformed manifest, and
    any file that is missing, extra, or whose size or SHA-256 differs from the manifest.
    ``on_file(name, size)`` hears each file as it is hashed.
    """
    bundle = Path(bundle)
    if not bundle.is_file():
        raise BundleError(f"{bundle}: {'not a file' if bundle.exists() else 'no such file'}")
    hear = on_file or _quiet
    found: dict[str, FileRecord] = {}
    manifest: list[bytes] = []

    def visit(name: str, size: int, reader: IO[bytes]) -> None:
        if name == BUNDLE_MANIFEST:
            if size > _MAX_MANIFEST:
                raise BundleError(f"{bundle}: {BUNDLE_MANIFEST} is {format_size(size)}, too big for a manifest")
            manifest.append(reader.read())
            return
        hear(name, size)
        found[name] = _hash_stream(reader)

    sha256 = _each_member(bundle, visit)
    if not manifest:
        raise BundleError(f"{bundle}: no {BUNDLE_MANIFEST} in it: not a MedSum model bundle")
    info = _parse_manifest(bundle, manifest[0], sha256)
    problems = _mismatches(info.files, found)
    if problems:
        raise BundleError(f"{bundle}: does not match its manifest: {', '.join(problems)} "
                          "(changed or damaged since it was exported: export it again)")
    return info


def extract_bundle(bundle: Path, dest: Path, *, expected: BundleInfo) -> None:
    """Copy the files of a verified bundle into the existing empty directory ``dest``.

    Each file is written new (mode 0600, never through a link) and hashed as it is written;
    any difference from ``expected`` (what :func:`verify_bundle` returned) raises
    :class:`BundleError`. The manifest itself is not extracted. The caller removes ``dest`` on error.
    """
    bundle, dest = Path(bundle), Path(dest)
    written: set[str] = set()

    def visit(name: str, size: int, reader: IO[bytes]) -> None:
        if name == BUNDLE_MANIFEST:
            return
        if name not in expected.files:
            raise BundleError(f"{bundle}: {name} (extra) appeared after it was verified: refusing the bundle")
        target = dest / name
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except OSError as exc:
            raise BundleError(f"{target}: cannot create ({exc.strerror or one_line(exc)})") from None
        digest, copied = hashlib.sha256(), 0
        with os.fdopen(fd, "wb") as handle:
            while chunk := reader.read(_CHUNK):
                digest.update(chunk)
                copied += len(chunk)
                try:
                    handle.write(chunk)
                except OSError as exc:
                    raise BundleError(f"{target}: cannot write ({_write_problem(exc)})") from None
        if {"sha256": digest.hexdigest(), "size": copied} != expected.files[name]:
            raise BundleError(f"{bundle}: {name} changed after it was verified: refusing the bundle")
        written.add(name)

    _each_member(bundle, visit)
    missing = sorted(set(expected.files) - written)
    if missing:
        raise BundleError(f"{bundle}: {', '.join(missing)} (missing) after it was verified: refusing the bundle")


def _checkpoint_dirname(bundle: Path) -> str:
    """A directory name from the bundle's file name, so the store records ``import:<that>``."""
    stem = bundle.name.removesuffix(".gz").removesuffix(".tgz").removesuffix(".tar")
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", stem).lstrip("._-")
    return stem[:100] or "bundle"


def import_bundle(bundle: Path, *, root: Path, name: str, allow_pickle: bool = False,
                  on_file: OnFile | None = None, register: Callable[[Path], None] | None = None) -> BundleInfo:
    """Verify ``bundle``, extract it into a private temporary directory, and add that checkpoint
    directory to the store of the workspace at ``root`` as ``name``.

    The import proper is what ``medsum models import DIRECTORY --name NAME`` runs
    (:func:`core.models.store.import_model`: architecture check, load test, manifest, audit);
    ``register(directory)`` replaces it (tests). The temporary
    directory sits in the store (same file system, hidden, mode 0700) and is removed whatever
    happens, and the store's own import is all-or-nothing, so a failure leaves the store as it
    was. Refused before anything is extracted: an invalid or taken ``name``, a bundle that
    fails :func:`verify_bundle`, pickle weights without ``allow_pickle``, too little free disk.
    Afterwards the stored model's manifest is checked against the bundle's.
    """
    bundle = Path(bundle)
    check_name(name)
    if (models_dir(root) / name).exists():
        raise ModelError(f"model {name} already exists in the store: choose another --name")
    info = verify_bundle(bundle, on_file=on_file)
    pickles = sorted(n for n in info.files if _PICKLE.fullmatch(n))
    if pickles and not allow_pickle:
        raise BundleError(f"{bundle}: weights are pickle files ({', '.join(pickles)}), which can run code when "
                          "loaded; pass --allow-pickle if you trust this bundle")
    free = shutil.disk_usage(root).free
    if free < 2 * info.total_size:
        raise BundleError(f"{bundle}: not enough disk in {root} to import it ({format_size(free)} free, "
                          f"{format_size(2 * info.total_size)} needed: the extracted copy and the stored one)")
    tmp = temp_dir(root, "bundle")
    try:
        checkpoint = tmp / _checkpoint_dirname(bundle)
        checkpoint.mkdir(mode=0o700)
        extract_bundle(bundle, checkpoint, expected=info)
        if register is not None:
            register(checkpoint)
        else:
            try:
                import_model(root, checkpoint, name, allow_pickle=allow_pickle)
            except MedsumError as exc:
                raise BundleError(f"{bundle}: medsum models import refused it: {exc}", exit_code=exc.exit_code) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _, stored = read_manifest(models_dir(root) / name)
    differ = sorted(rel for rel, record in stored.items() if info.files.get(rel) != record)
    if differ:
        raise BundleError(f"model {name}: {', '.join(differ)} in the store differ from {bundle}: "
                          f"do not use it; remove {models_dir(root) / name} and import the bundle again")
    return info
