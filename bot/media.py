"""Image intake: download at once (size-capped), decode safely, normalise to a ≤ 5 MB PNG or JPEG.

The CDN link of a Discord attachment expires and the provider may not reach Discord, so the picture
travels to the provider as a base64 data URI. Pillow's work runs in a thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import base64
import io
import logging
import warnings

import aiohttp
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
