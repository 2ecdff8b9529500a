"""A submission's folder is untrusted data: copy and clean it without following any link.

Only regular files and folders count. Symbolic links, fifos, sockets and devices are dropped
(never followed, never chmod-ed through), and the number of files and their apparent size
(sparse files count in full) are capped. Every function returns notes on what it dropped, for
the student's outcome line.
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Caps:
    """How much of a student's folder the grader keeps."""

    files: int = 200
    bytes: int = 64 * 2**20


def _walk(top: Path):
    """(path, lstat) of every entry under top, folders before their contents; links not followed."""
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            yield Path(entry.path), info
            if stat.S_ISDIR(info.st_mode):
                stack.append(Path(entry.path))


def _summary(dropped: list[str], what: str) -> list[str]:
    if not dropped:
        return []
    shown = ", ".join(ascii(name) for name in dropped[:3]) + (" ..." if len(dropped) > 3 else "")
    return [f"{len(dropped)} {what} dropped ({shown})"]


def scrub(top: Path, keep: set[Path] = frozenset(), caps: Caps = Caps()) -> list[str]:
    """Delete, in place, every entry under top that is not a regular file or folder, and the
    files beyond the caps (the regular files in `keep` stay). Returns notes on what went."""
    links, over = [], []
    files = size = 0
    for path, info in list(_walk(top)):
        name = str(path.relative_to(top))
        if stat.S_ISDIR(info.st_mode) or (path in keep and stat.S_ISREG(info.st_mode)):
            continue
        if not stat.S_ISREG(info.st_mode):
            links.append(name)
            path.unlink(missing_ok=True)
            continue
        files, size = files + 1, size + info.st_size
        if files > caps.files or size > caps.bytes:
            over.append(name)
            path.unlink(missing_ok=True)
    return _summary(links, "links or special files") + _summary(
        over, "files over the size or count limit"
    )


def copy_tree(src: Path, dst: Path, caps: Caps = Caps()) -> list[str]:
    """Copy the regular files and folders of src to dst (replaced), within the caps; links and
    special files are not copied. Returns notes on what was left out."""
    shutil.rmtree(dst, ignore_errors=True)
    if not src.is_dir() or src.is_symlink():
        return []
    dst.mkdir(parents=True)
    left, over = [], []
    files = size = 0
    for path, info in _walk(src):
        rel = path.relative_to(src)
        if stat.S_ISDIR(info.st_mode):
            (dst / rel).mkdir(exist_ok=True)
        elif not stat.S_ISREG(info.st_mode):
            left.append(str(rel))
        elif files + 1 > caps.files or size + info.st_size > caps.bytes:
            over.append(str(rel))
        else:
            files, size = files + 1, size + info.st_size
            _copy_file(path, dst / rel)
    return _summary(left, "links or special files") + _summary(
        over, "files over the size or count limit"
    )


def _copy_file(src: Path, dst: Path) -> None:
    """Copy one regular file, refusing to open it if it became a link meanwhile."""
    fd = os.open(src, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as reader, open(dst, "xb") as writer:
        shutil.copyfileobj(reader, writer)


def pack(top: Path, folders: list[str], caps: Caps = Caps()) -> tuple[dict[str, bytes], list[str]]:
    """The regular files under top/<folder> for each folder, as {path relative to top: bytes},
    each folder within the caps (links and special files left out); and notes on what was."""
    files, notes = {}, []
    for folder in folders:
        left, over = [], []
        count = size = 0
        for path, info in _walk(top / folder):
            rel = str(path.relative_to(top))
            if stat.S_ISDIR(info.st_mode):
                continue
            if not stat.S_ISREG(info.st_mode):
                left.append(rel)
            elif count + 1 > caps.files or size + info.st_size > caps.bytes:
                over.append(rel)
            else:
                count, size = count + 1, size + info.st_size
                with os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb") as reader:
                    files[rel] = reader.read(caps.bytes)
        notes += _summary(left, "links or special files")
        notes += _summary(over, "files over the size or count limit")
    return files, notes


def unpack(files: dict[str, bytes], top: Path, folders: list[str]) -> None:
    """Write what `pack` returned under top; a path outside the given folders is refused."""
    for rel, data in files.items():
        parts = Path(rel).parts
        inside = any(rel.startswith(f"{folder}/") for folder in folders)
        if not inside or Path(rel).is_absolute() or ".." in parts:
            raise ValueError(f"refused a returned file outside {folders}: {rel!r}")
        target = top / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "xb") as writer:
            writer.write(data)
