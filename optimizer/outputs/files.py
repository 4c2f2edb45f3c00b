"""Writing output folders and files so that nothing a user did not ask minesink to replace is lost.

An output folder holds a manifest, ``.minesink-manifest.json``, listing every file minesink
wrote there with its size and SHA-256.  Rules:

* ``-o`` may not be a project folder the run reads, a parent of one, the current folder or a
  parent of it (``check_outdir(..., protect=[project root])``);
* an existing non-empty folder is replaced only with ``--force``, and only when it holds nothing
  but the files of its manifest, unchanged; anything else (a user's notes, a folder not written
  by minesink, a report edited since) is refused and left alone;
* the new output is written into a temporary folder beside the target
  (``.<name>.minesink-new-*``), made to follow the umask (``tempfile`` creates 0700/0600), and
  then swapped in with one atomic ``renameat2(RENAME_EXCHANGE)`` (or, where the file system
  lacks it, two renames with the old folder kept as ``.<name>.minesink-old-*`` until the new one
  is in place), so the old output stays whole until the new one is complete;
* runs writing the same output are serialised by an ``fcntl`` lock on ``.<name>.minesink-lock``
  beside it: a second run is refused at once, naming the first one's process id;
* temporaries are removed when the run fails or is stopped (SIGINT, and SIGTERM, which the
  command line turns into an exception); a temporary left by a killed run (SIGKILL) is removed
  by the next run on that output, and a complete old folder left between the two renames is put
  back, each with a warning;
* a full disk (ENOSPC, EDQUOT) is a one-line RunError and an unwritable place an InputError.

Single files (``estimate -o FILE``, ``--export-model``) follow the same scheme with a temporary
file beside the target and ``os.replace``; they may not be one of the project's input files.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from optimizer.errors import InputError, RunError

log = logging.getLogger(__name__)
T = TypeVar("T")

MANIFEST = ".minesink-manifest.json"
_TAG = ".minesink-"
_HELD: dict[str, tuple[int, int]] = {}  # lock path -> (fd, depth): re-entrant within a process


# ----------------------------------------------------------------------------- paths and checks

def target(path: str | Path) -> Path:
    """The absolute path an output will really be written to (a symbolic link followed)."""
    path = Path(path)
    if path.is_symlink():
        if not path.exists():
            raise InputError(f"{path} is a broken symbolic link; give an existing folder or a new name")
        return path.resolve()
    return Path(os.path.abspath(path))


def _inside(child: Path, parent: Path) -> bool:
    return child == parent or child.is_relative_to(parent)


def refuse_dangerous(out: Path, protect: Iterable[Path] = ()) -> None:
    """InputError when ``out`` is the current folder (or a parent of it), or a protected folder
    (a project the run reads) or a parent of one, or a protected file."""
    real = out.resolve()
    cwd = Path.cwd().resolve()
    if _inside(cwd, real):
        raise InputError(f"-o {out}: the output may not be the current folder or one of its parents "
                         "(minesink would replace it); give a new folder such as -o plan")
    for item in protect:
        item = Path(item).resolve()
        if item.is_dir() and _inside(item, real):
            what = "the project folder" if item == real else f"a parent of the project folder {item}"
            raise InputError(f"-o {out}: the output may not be {what} (its input files would be "
                             "replaced); give a new folder such as -o plan")
        if item.is_file() and item == real:
            raise InputError(f"-o {out}: this is one of the project's input files; give another name")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(folder: Path) -> dict[str, dict] | None:
    """name -> {"bytes", "sha256"} of the files minesink wrote in ``folder`` (None: no manifest)."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        files = data["files"]
        return {str(k): dict(v) for k, v in files.items()} if isinstance(files, dict) else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def foreign_entries(folder: Path) -> list[str]:
    """Entries of ``folder`` (and its subfolders) that minesink did not write there, or changed
    since, by the manifest (paths relative to ``folder``, ``/``-separated)."""
    manifest = read_manifest(folder) or {}
    written_dirs = {str(Path(name).parent.as_posix()) for name in manifest}
    out = []
    for entry in sorted(folder.rglob("*")):
        name = entry.relative_to(folder).as_posix()
        if name == MANIFEST and manifest:
            continue
        if entry.is_dir() and not entry.is_symlink():
            if name not in written_dirs and not any(d.startswith(name + "/") for d in written_dirs):
                out.append(name + "/")
            continue
        known = manifest.get(name)
        if known is None or entry.is_symlink() or not entry.is_file():
            out.append(name)
        elif entry.stat().st_size != known.get("bytes") or _sha256(entry) != known.get("sha256"):
            out.append(f"{name} (changed since minesink wrote it)")
    return out


def check_outdir(outdir: str | Path, force: bool, protect: Iterable[Path] = ()) -> None:
    """Refuse an output folder minesink may not (re)place; see the module docstring."""
    out = target(outdir)
    refuse_dangerous(out, protect)
    if out.exists() and not out.is_dir():
        raise InputError(f"{outdir} exists and is not a folder")
    if not out.is_dir() or not any(out.iterdir()):
        return
    foreign = foreign_entries(out)
    if foreign:
        listed = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise InputError(f"output folder {outdir} exists and is not empty: it holds files minesink did not "
                         f"write ({listed}), which --force would not replace; move them away or choose "
                         "another folder")
    if not force:
        raise InputError(f"output folder {outdir} exists and is not empty; use --force to replace the "
                         "outputs minesink wrote there")


def check_outfile(path: str | Path, force: bool, protect: Iterable[Path] = ()) -> None:
    """Refuse an output file that is a folder, an input of the project, or exists without force."""
    out = target(path)
    refuse_dangerous(out, protect)
    if out.is_dir():
        raise InputError(f"{path} is a folder; give a file name")
    if out.exists() and not force:
        raise InputError(f"{path} exists; use --force to overwrite it")


# ----------------------------------------------------------------------------- modes and errors

def umask() -> int:
    """The process's umask (read without changing it where /proc allows)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def follow_umask(path: Path) -> None:
    """Give ``path`` (and the files of a folder) the modes a plain open()/mkdir() would have."""
    mask = umask()
    if path.is_dir():
        os.chmod(path, 0o777 & ~mask)
        for child in path.rglob("*"):
            if child.is_symlink():
                continue
            os.chmod(child, (0o777 if child.is_dir() else 0o666) & ~mask)
    else:
        os.chmod(path, 0o666 & ~mask)


@contextmanager
def os_errors(what: Path) -> Iterator[None]:
    """Turn a full disk into a RunError and an unwritable place into an InputError (one line)."""
    try:
        yield
    except OSError as err:
        if isinstance(err, (InputError, RunError)):
            raise
        if err.errno in (errno.ENOSPC, errno.EDQUOT):
            raise RunError(f"no space left on the device while writing {what}; nothing was replaced - "
                           "free some space and run again") from None
        if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise InputError(f"cannot write {what}: {err.strerror}") from None
        raise RunError(f"could not write {what}: {err.strerror or err}") from None


# ----------------------------------------------------------------------------- lock

@contextmanager
def output_lock(path: str | Path) -> Iterator[None]:
    """Hold the lock of output ``path`` (re-entrant in one process); RunError when another run
    holds it.  Stale temporaries of killed runs are cleaned up once the lock is taken."""
    out = target(path)
    lock = out.parent / f".{out.name}{_TAG}lock"
    key = str(lock.parent.resolve() / lock.name) if lock.parent.exists() else str(lock)
    if key in _HELD:
        fd, depth = _HELD[key]
        _HELD[key] = (fd, depth + 1)
        try:
            yield
        finally:
            _HELD[key] = (fd, _HELD[key][1] - 1)
        return
    with os_errors(out.parent):
        out.parent.mkdir(parents=True, exist_ok=True)
        fd = _acquire(lock, out)
    _HELD[key] = (fd, 1)
    try:
        clean_stale(out)
        yield
    finally:
        del _HELD[key]
        try:
            lock.unlink()
        except OSError:
            pass
        os.close(fd)


def _acquire(lock: Path, out: Path) -> int:
    for _attempt in range(3):
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666 & ~umask())
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            os.close(fd)
            raise RunError(f"another minesink run{f' (process {holder})' if holder else ''} is writing "
                           f"{out}; wait for it to finish or choose another output") from None
        try:
            same = os.fstat(fd).st_ino == os.stat(lock).st_ino
        except FileNotFoundError:
            same = False
        if same:  # not a lock file the previous holder unlinked meanwhile
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
            return fd
        os.close(fd)
    raise RunError(f"could not lock {out}: another run keeps replacing its lock file")


def clean_stale(out: Path) -> None:
    """Remove temporaries of killed runs beside ``out``; put back a complete old output that a
    run killed between its two renames left aside."""
    prefix = f".{out.name}{_TAG}"
    for entry in sorted(out.parent.glob(f"{prefix}*")):
        kind = entry.name[len(prefix):].split("-", 1)[0]
        if kind == "old" and entry.is_dir() and not out.exists():
            os.rename(entry, out)
            log.warning("restored %s: a run stopped while replacing it had left it as %s", out, entry.name)
        elif kind in ("new", "old"):
            _remove(entry)
            log.warning("removed %s, left by a minesink run that was stopped while writing %s",
                        entry.name, out.name)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except FileNotFoundError:
            pass


# ----------------------------------------------------------------------------- writing

_libc = ctypes.CDLL(None, use_errno=True)
_renameat2 = getattr(_libc, "renameat2", None)
_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False where the system cannot."""
    if _renameat2 is None:
        return False
    done = _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
        return False
    raise OSError(code, os.strerror(code), str(b))


def write_manifest(folder: Path, version: str) -> None:
    """List every file of ``folder`` (size and SHA-256) in its manifest; deterministic text."""
    files = {p.relative_to(folder).as_posix(): {"bytes": p.stat().st_size, "sha256": _sha256(p)}
             for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()
             and p.relative_to(folder).as_posix() != MANIFEST}
    data = {"written_by": "minesink", "version": version,
            "note": "files minesink wrote in this folder; --force replaces only these", "files": files}
    (folder / MANIFEST).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def write_folder(outdir: str | Path, force: bool, writer: Callable[[Path], T],
                 protect: Iterable[Path] = ()) -> T:
    """Fill a temporary folder with ``writer(tmp)``, add the manifest and swap it onto ``outdir``.

    Returns what ``writer`` returns.  The checks of ``check_outdir`` are repeated under the lock.
    """
    from optimizer import __version__

    out = target(outdir)
    with output_lock(out), os_errors(out):
        check_outdir(out, force, protect)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}{_TAG}new-{os.getpid()}-", dir=out.parent))
        try:
            result = writer(tmp)
            write_manifest(tmp, __version__)
            follow_umask(tmp)
            _swap_in(tmp, out)
        finally:
            _remove(tmp)
    return result


def _swap_in(tmp: Path, out: Path) -> None:
    """Put ``tmp`` at ``out``; the old ``out`` (if any) ends at ``tmp`` or an old-name and goes."""
    if not out.exists():
        os.rename(tmp, out)
        return
    if exchange(tmp, out):
        return  # tmp now holds the old output; the caller removes it
    old = out.parent / f".{out.name}{_TAG}old-{os.getpid()}-{os.urandom(4).hex()}"
    os.rename(out, old)
    os.rename(tmp, out)
    _remove(old)


def write_file(path: str | Path, writer: Callable[[Path], object], force: bool = True,
               protect: Iterable[Path] = ()) -> Path:
    """Call ``writer(tmp_path)`` on a temporary file beside ``path`` and move it onto ``path``
    only if it succeeded (mode from the umask, under the output lock)."""
    out = target(path)
    with output_lock(out), os_errors(out):
        check_outfile(out, force, protect)
        fd, name = tempfile.mkstemp(prefix=f".{out.name}{_TAG}new-{os.getpid()}-", suffix=out.suffix,
                                    dir=out.parent)
        os.close(fd)
        tmp = Path(name)
        try:
            writer(tmp)
            follow_umask(tmp)
            os.replace(tmp, out)
        finally:
            _remove(tmp)
    return Path(path)
