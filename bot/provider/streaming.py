"""A video uploaded while it downloads.

The download writes a file of known size (the provider's Content-Length) and says how far it has got;
each upload reads it through a ``Follower``, a seekable file object that aiohttp sends with
``FollowingPayload``: it waits for bytes not written yet and, if the download stops short, fails the
request, so a server never receives a truncated video. Uploading a 6 MiB video at 6 MiB/s that
downloads at 3 MiB/s takes the download's 2 s instead of 3 s one after the other.
"""

from __future__ import annotations

import asyncio
import io
import os
from pathlib import Path

from aiohttp.abc import AbstractStreamWriter
from aiohttp.payload import IOBasePayload, Order, register_payload

CHUNK = 256 * 1024


class ShortDownload(OSError):
    """The download stopped before the declared size: an upload reading it is abandoned."""


class GrowingFile:
    """A file being downloaded: its declared size and how much of it is on disk so far."""

    def __init__(self, path: Path, size: int) -> None:
        self.path = path
        self.size = size
        self.written = 0
        self.error: BaseException | None = None
        self._moved = asyncio.Event()
        self._followers: list[Follower] = []

    @property
    def complete(self) -> bool:
        return self.written >= self.size

    def wrote(self, n: int) -> None:
        """The download appended ``n`` bytes (flushed to the file)."""
        self.written += n
        if self.written > self.size:  # more than declared: readers would send a cut-off video
            self.fail(ShortDownload(f"the download passed its declared size ({self.size} bytes)"))
            return
        self._wake()

    def fail(self, error: BaseException) -> None:
        """The download stopped short: readers waiting for more give up."""
        self.error = error
        self._wake()

    async def wait_for(self, end: int) -> None:
        """Return once the first ``end`` bytes are on disk; raise ShortDownload if they never will be."""
        while True:
            if self.error is not None:
                raise ShortDownload(f"download stopped at {self.written} of {self.size} bytes: {self.error}")
            if self.written >= min(end, self.size):
                return
            await self._moved.wait()

    def follower(self) -> Follower:
        """A new reader from the start (each upload gets its own; ``close_followers`` closes them all, since
        discord.py does not close a file object it was given)."""
        follower = Follower(self)
        self._followers.append(follower)
        return follower

    def close_followers(self) -> None:
        """Release every reader's file descriptor (the delivery is over, or starts again)."""
        for follower in self._followers:
            follower.release()
        self._followers.clear()

    def _wake(self) -> None:
        moved, self._moved = self._moved, asyncio.Event()
        moved.set()


class Follower(io.BufferedIOBase):
    """A seekable reader of a GrowingFile; its bytes are read by FollowingPayload as they arrive."""

    def __init__(self, source: GrowingFile) -> None:
        super().__init__()
        self.source = source
        self.name = source.path.name
        self._pos = 0
        self._fd: int | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.source.size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def read(self, size: int | None = -1) -> bytes:
        """Read what is on disk already (never waits; FollowingPayload waits before reading)."""
        available = max(0, self.source.written - self._pos)
        data = self.read_at(self._pos, available if size is None or size < 0 else min(size, available))
        self._pos += len(data)
        return data

    read1 = read

    def read_at(self, offset: int, n: int) -> bytes:
        if self._fd is None:
            self._fd = os.open(self.source.path, os.O_RDONLY)
        return os.pread(self._fd, n, offset) if n > 0 else b""

    def release(self) -> None:
        """Close the file descriptor (discord.py replaces ``close`` on file objects it is given)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def close(self) -> None:
        self.release()
        super().close()


class FollowingPayload(IOBasePayload):
    """aiohttp's body for a Follower: the declared size as Content-Length, bytes sent as they arrive."""

    _value: Follower

    @property
    def size(self) -> int:
        if self._start_position is None:
            self._start_position = self._value.tell()
        return self._value.source.size - self._start_position

    async def write(self, writer: AbstractStreamWriter) -> None:
        await self.write_with_length(writer, None)

    async def write_with_length(self, writer: AbstractStreamWriter, content_length: int | None) -> None:
        source = self._value.source
        if self._start_position is None:
            self._start_position = self._value.tell()
        position = self._start_position
        end = source.size if content_length is None else min(source.size, position + content_length)
        while position < end:
            n = min(CHUNK, end - position)
            await source.wait_for(position + n)
            chunk = self._value.read_at(position, n)
            if len(chunk) != n:  # the file shrank under us: never send a short body
                raise ShortDownload(f"read {len(chunk)} of {n} bytes at {position}")
            await writer.write(chunk)
            position += n
        self._value.seek(position)


register_payload(FollowingPayload, Follower, order=Order.try_first)
