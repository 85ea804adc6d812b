"""Image intake: real pictures pass normalised; everything else gets a named reason."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import av
import pytest
from PIL import Image, ImageChops

from bot.errors import InvalidImage
from bot.media import MAX_PROVIDER_BYTES, check_declared, last_frame_png, normalise_image


def encode(img: Image.Image, fmt: str, **kw: object) -> bytes:
    out = io.BytesIO()
    img.save(out, format=fmt, **kw)
    return out.getvalue()


def decode(uri: str) -> tuple[str, Image.Image, int]:
    header, b64 = uri.split(",", 1)
    raw = base64.b64decode(b64)
    return header, Image.open(io.BytesIO(raw)), len(raw)


async def test_png_stays_png() -> None:
    header, img, _ = decode(await normalise_image(encode(Image.new("RGBA", (300, 200), (1, 2, 3, 128)), "PNG")))
    assert header == "data:image/png;base64" and img.size == (300, 200) and img.mode == "RGBA"


async def test_animated_gif_uses_the_first_frame() -> None:
    frames = [Image.new("RGB", (100, 100), c) for c in ((255, 0, 0), (0, 255, 0))]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:])
    _, img, _ = decode(await normalise_image(out.getvalue()))
    assert img.convert("RGB").getpixel((50, 50)) == (255, 0, 0)


async def test_noisy_large_picture_is_shrunk_under_five_megabytes() -> None:
    noisy = Image.effect_noise((3000, 3000), 100).convert("RGB")
    header, _img, size = decode(await normalise_image(encode(noisy, "PNG")))
    assert size <= MAX_PROVIDER_BYTES
    assert header in ("data:image/png;base64", "data:image/jpeg;base64")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"hello, this is text renamed to .png", "not_image"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>', "not_image"),
        (encode(Image.new("RGB", (100, 100)), "PNG")[:60], "corrupt"),
        (encode(Image.new("RGB", (1000, 100)), "PNG"), "bad_shape"),
        (encode(Image.new("RGB", (20, 20)), "PNG"), "bad_shape"),
        (encode(Image.new("1", (12000, 12000)), "PNG"), "too_large"),  # ~15 KB file, 144 megapixels: a bomb
        (encode(Image.new("RGB", (100, 100)), "TIFF"), "not_image"),
    ],
    ids=["text", "svg", "truncated", "wide", "tiny", "bomb", "tiff"],
)
async def test_bad_pictures_are_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(InvalidImage) as info:
        await normalise_image(data)
    assert info.value.reason == reason


def test_declared_type_and_size_are_checked_before_downloading() -> None:
    check_declared("image/png", 1000)
    with pytest.raises(InvalidImage, match="not_image"):
        check_declared("text/plain", 10)
    with pytest.raises(InvalidImage, match="too_large"):
        check_declared("image/jpeg", 60 * 1024 * 1024)


def test_the_last_frame_of_a_clip_and_a_clip_that_is_not_one(tmp_path: Path) -> None:
    """Extend's frame is the clip's last one; a file that is no video is refused as corrupt, never a crash."""
    clip = Path(__file__).resolve().parents[1] / "fixtures" / "tiny.mp4"
    with av.open(str(clip)) as container:
        frames = [f.to_image().convert("RGB") for f in container.decode(container.streams.video[0])]
    last = Image.open(io.BytesIO(last_frame_png(clip))).convert("RGB")
    assert ImageChops.difference(last, frames[-1]).getbbox() is None
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all" * 100)
    with pytest.raises(InvalidImage) as info:
        last_frame_png(junk)
    assert info.value.reason == "corrupt"
