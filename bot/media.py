"""Image intake: download at once (size-capped), decode safely, normalise to a ≤ 5 MB PNG or JPEG;
and the last frame of a finished clip (Extend), decoded with PyAV, through the same intake.

The CDN link of a Discord attachment expires and the provider may not reach Discord, so the picture
travels to the provider as a base64 data URI. Pillow's work runs in a thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import base64
import io
import logging
import tempfile
import warnings
from pathlib import Path

import aiohttp
import av
from PIL import Image, ImageOps, UnidentifiedImageError

from bot.errors import InvalidImage

log = logging.getLogger(__name__)

MAX_DOWNLOAD_BYTES = 25 * 1024 * 1024  # what we accept from a member
MAX_PROVIDER_BYTES = 5 * 1024 * 1024  # what the provider accepts (before base64)
MAX_PIXELS = 40_000_000  # decompression-bomb guard: anything larger is refused, not decoded
MAX_ASPECT = 4.0
MIN_SIDE = 64
MAX_SIDE = 4096
IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp", "image/gif", "image/bmp")


def check_declared(content_type: str | None, size: int) -> None:
    """Refuse at once what is declared as no picture or too large (before any download).

    Raises:
        InvalidImage: reason "not_image" or "too_large".
    """
    if content_type is not None and content_type.split(";")[0].strip().lower() not in IMAGE_TYPES:
        raise InvalidImage(reason="not_image", detail=content_type)
    if size > MAX_DOWNLOAD_BYTES:
        raise InvalidImage(reason="too_large", detail=str(size))


async def download_image(session: aiohttp.ClientSession, url: str) -> bytes:
    """Download a picture, stopping past MAX_DOWNLOAD_BYTES.

    Raises:
        InvalidImage: reason "unreachable" or "too_large".
    """
    timeout = aiohttp.ClientTimeout(total=30, sock_connect=10)
    try:
        async with session.get(url, timeout=timeout) as resp:
            if resp.status != 200:
                raise InvalidImage(reason="unreachable", detail=f"HTTP {resp.status}")
            buf = bytearray()
            async for chunk in resp.content.iter_chunked(256 * 1024):
                buf += chunk
                if len(buf) > MAX_DOWNLOAD_BYTES:
                    raise InvalidImage(reason="too_large", detail=str(len(buf)))
            return bytes(buf)
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise InvalidImage(reason="unreachable", detail=type(exc).__name__) from None


async def normalise_image(data: bytes) -> str:
    """Return the picture as a data URI the provider accepts (first frame of an animation).

    Raises:
        InvalidImage: reason "not_image", "too_large", "bad_shape" or "corrupt".
    """
    return await asyncio.to_thread(_normalise, data)


def _normalise(data: bytes) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as img:
                if img.format not in {"PNG", "JPEG", "WEBP", "GIF", "BMP"}:
                    raise InvalidImage(reason="not_image", detail=str(img.format))
                width, height = img.size
                if width * height > MAX_PIXELS:
                    raise InvalidImage(reason="too_large", detail=f"{width}x{height}")
                if min(width, height) < MIN_SIDE or max(width, height) / min(width, height) > MAX_ASPECT:
                    raise InvalidImage(reason="bad_shape", detail=f"{width}x{height}")
                img.seek(0)  # animated GIF/WebP: the first frame
                frame = ImageOps.exif_transpose(img.convert("RGBA" if _has_alpha(img) else "RGB"))
        except InvalidImage:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise InvalidImage(reason="too_large", detail="too many pixels") from None
        except UnidentifiedImageError:
            raise InvalidImage(reason="not_image") from None
        except (OSError, ValueError, SyntaxError):
            raise InvalidImage(reason="corrupt") from None
    if max(frame.size) > MAX_SIDE:
        frame.thumbnail((MAX_SIDE, MAX_SIDE))
    return _encode(frame)


def _has_alpha(img: Image.Image) -> bool:
    return img.mode in {"RGBA", "LA", "PA"} or (img.mode == "P" and "transparency" in img.info)


def _encode(frame: Image.Image) -> str:
    out = io.BytesIO()
    frame.save(out, format="PNG", optimize=False)
    if out.tell() <= MAX_PROVIDER_BYTES:
        return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
    rgb = frame.convert("RGB")
    for quality in (90, 80, 70):
        out = io.BytesIO()
        rgb.save(out, format="JPEG", quality=quality)
        if out.tell() <= MAX_PROVIDER_BYTES:
            return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode()
        rgb.thumbnail((rgb.width * 3 // 4, rgb.height * 3 // 4))
    raise InvalidImage(reason="too_large", detail="cannot fit 5 MB")


# -- the last frame of a clip (Extend) -----------------------------------------------------------

MAX_CLIP_BYTES = 200 * 1024 * 1024  # a clip to continue: far above Discord's upload limits


async def last_frame(session: aiohttp.ClientSession, url: str) -> str:
    """Download the clip at ``url`` and return its last frame as a data URI.

    Raises:
        InvalidImage: reason "unreachable" (the clip cannot be fetched), "too_large" or "corrupt".
    """
    with tempfile.TemporaryDirectory(prefix="reelbot-extend-") as folder:
        path = Path(folder) / "clip.mp4"
        await _download(session, url, path)
        png = await asyncio.to_thread(last_frame_png, path)
    return await normalise_image(png)


async def _download(session: aiohttp.ClientSession, url: str, path: Path) -> None:
    timeout = aiohttp.ClientTimeout(total=120, sock_connect=10)
    try:
        async with session.get(url, timeout=timeout) as resp:
            if resp.status != 200:
                raise InvalidImage(reason="unreachable", detail=f"HTTP {resp.status}")
            size = 0
            with path.open("wb") as out:
                async for chunk in resp.content.iter_chunked(256 * 1024):
                    size += len(chunk)
                    if size > MAX_CLIP_BYTES:
                        raise InvalidImage(reason="too_large", detail=str(size))
                    out.write(chunk)
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise InvalidImage(reason="unreachable", detail=type(exc).__name__) from None


def last_frame_png(path: Path) -> bytes:
    """Decode ``path`` and return its last video frame as PNG bytes.

    Raises:
        InvalidImage: reason "corrupt" when there is no video frame to take.
    """
    last: Image.Image | None = None
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise InvalidImage(reason="corrupt", detail="no video stream")
            for frame in container.decode(container.streams.video[0]):
                last = frame.to_image()  # type: ignore[no-untyped-call]  # PyAV's stub leaves it untyped
    except av.FFmpegError:
        raise InvalidImage(reason="corrupt", detail="cannot decode the clip") from None
    if last is None:
        raise InvalidImage(reason="corrupt", detail="no frames")
    out = io.BytesIO()
    last.save(out, format="PNG")
    return out.getvalue()
