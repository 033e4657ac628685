"""Zip files from strangers (.docx, .epub and uploaded folders): checked before anything opens them.

A zip is refused, with a sentence saying why, when it lists too many files, when what it would
unpack is too large in all or compressed too tightly (a zip bomb), or when a name would leave
the folder it unpacks into (`../x`, `/etc/x`, `C:\\x`) or is a link. Unpacking counts the bytes
actually written, never trusting the sizes the zip declares.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath

from textbook.domain.errors import InvalidBook

MAX_FILE = 50 * 1024 * 1024  # a .docx, .epub, .tex or .zip as given
MAX_UNPACKED = 200 * 1024 * 1024  # everything in a zip, unpacked
MAX_MEMBER = 50 * 1024 * 1024  # one file in a zip, unpacked
MAX_MEMBERS = 5000
# Text compresses about 5 to 10 times, XML up to 50; a bomb compresses thousands of times.
MAX_RATIO = 200
CHUNK = 1024 * 1024


def check_size(path: Path) -> None:
    size = path.stat().st_size
    if size > MAX_FILE:
        raise InvalidBook(
            path.name, f"{size:,} bytes is over the limit of {MAX_FILE // (1024 * 1024)} MB"
        )


def opened(path: Path, what: str) -> zipfile.ZipFile:
    """The zip at `path`, once its list of files has passed every check."""
    check_size(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise InvalidBook(
            path.name, f"this is not a {what}: it is not a readable zip file"
        ) from None
    try:
        check_members(path.name, archive.infolist())
    except InvalidBook:
        archive.close()
        raise
    return archive


def check_members(name: str, members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MAX_MEMBERS:
        raise InvalidBook(name, f"the zip holds {len(members):,} files; at most {MAX_MEMBERS:,}")
    total = 0
    for member in members:
        check_name(name, member)
        if member.file_size > MAX_MEMBER:
            raise InvalidBook(
                name,
                f"'{member.filename[:200]}' unpacks to {member.file_size:,} bytes; at most "
                f"{MAX_MEMBER // (1024 * 1024)} MB a file",
            )
        if member.file_size > 1024 * 1024 and member.file_size > MAX_RATIO * max(
            member.compress_size, 1
        ):
            raise InvalidBook(
                name,
                f"'{member.filename[:200]}' is compressed more than {MAX_RATIO} times "
                "(a zip bomb?); it is refused",
            )
        total += member.file_size
    if total > MAX_UNPACKED:
        raise InvalidBook(
            name, f"the zip unpacks to {total:,} bytes; at most {MAX_UNPACKED // (1024 * 1024)} MB"
        )


def check_name(name: str, member: zipfile.ZipInfo) -> None:
    path = member.filename
    parts = PurePosixPath(path).parts
    if (
        path.startswith(("/", "\\"))
        or "\\" in path
        or ".." in parts
        or (parts and parts[0].endswith(":"))
        or "\x00" in path
    ):
        raise InvalidBook(
            name, f"the file name '{path[:200]}' in the zip leads out of its folder; refused"
        )
    mode = member.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise InvalidBook(name, f"'{path[:200]}' in the zip is a link; refused")


def unpack(path: Path, into: Path) -> None:
    """Unpack the checked zip at `path` into the folder `into`, counting what is written."""
    with opened(path, "zip file of a book") as archive:
        written = 0
        root = into.resolve()
        for member in archive.infolist():
            target = (into / member.filename).resolve()
            if root != target and root not in target.parents:
                raise InvalidBook(path.name, f"'{member.filename[:200]}' leads out of its folder")
            if member.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            written += copy_member(path.name, archive, member, target, MAX_UNPACKED - written)


def copy_member(
    name: str, archive: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path, room: int
) -> int:
    size = 0
    limit = min(room, MAX_MEMBER)
    try:
        with archive.open(member) as source, target.open("wb") as out:
            while chunk := source.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise InvalidBook(
                        name,
                        f"'{member.filename[:200]}' unpacks to more than it says "
                        f"(over {limit:,} bytes); refused",
                    )
                out.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, ValueError):
        raise InvalidBook(name, f"'{member.filename[:200]}' in the zip cannot be read") from None
    return size
