"""The model catalogue end to end: first-and-last-frame /animate, a Vidu job, the options offered
while typing, and a server's own choice of models."""

from __future__ import annotations

from typing import Any

from tests.e2e.test_animate import decoded, png
from tests.e2e.test_moderation import mod
from tests.e2e.test_video import finished, prompt
from tests.standins.fake_discord import FakeDiscord, Interaction
from tests.standins.fake_video import TINY_MP4, FakeVideoAPI


def picture(discord_api: FakeDiscord, name: str, width: int, height: int) -> dict[str, Any]:
    data = png(width, height)
    return discord_api.attachment(discord_api.host_file(name, data), size=len(data))


async def autocomplete(discord_api: FakeDiscord, command: str, options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Type into a command option (the one marked focused) and return the choices the bot offers."""
    inter: Interaction = await discord_api.slash(command, options, kind=4)
    await discord_api.wait_for(lambda: inter.callback, what="the autocomplete answer")
    assert inter.callback is not None and inter.callback["type"] == 8
    return list(inter.callback["data"]["choices"])


async def test_animate_with_a_last_image_sends_first_and_last_frame_to_cogvideox_3(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    """Two pictures through the same intake become image_url [first, last]; quality other than speed is refused."""
    await make_bot()
    first, last = picture(discord_api, "a.png", 320, 240), picture(discord_api, "b.png", 400, 300)
    options = [
        {"name": "image", "type": 11, "value": first["id"]},
        {"name": "last_image", "type": 11, "value": last["id"]},
        {"name": "prompt", "type": 3, "value": "the day turns to night"},
        {"name": "model", "type": 3, "value": "cogvideox-3"},
    ]
    resolved = {"attachments": {first["id"]: first, last["id"]: last}}
    refused = await discord_api.slash(
        "animate", [*options, {"name": "quality", "type": 3, "value": "quality"}], resolved=resolved
    )
    answer = await discord_api.wait_for(lambda: discord_api.reply_to(refused), what="the refusal")
    assert answer.flags & 64 and "only makes `speed` quality" in (answer.content or "")
    assert video_api.submits == []

    inter = await discord_api.slash("animate", options, resolved=resolved)
    reply = await discord_api.wait_for(lambda: finished(discord_api, inter), what="the final reply")
    assert reply.title == "✅ Your video is ready" and list(reply.files.values()) == [TINY_MP4]
    [body] = video_api.submits
    assert body["model"] == "cogvideox-3" and body["prompt"] == "the day turns to night"
    assert [decoded(uri).size for uri in body["image_url"]] == [(320, 240), (400, 300)]
    assert "quality" not in body


async def test_a_last_image_with_a_model_that_cannot_use_it_is_refused_privately(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    await make_bot()
    first, last = picture(discord_api, "a.png", 320, 240), picture(discord_api, "b.png", 320, 240)
    inter = await discord_api.slash(
        "animate",
        [
            {"name": "image", "type": 11, "value": first["id"]},
            {"name": "last_image", "type": 11, "value": last["id"]},
            {"name": "model", "type": 3, "value": "cogvideox-2"},  # one picture only
        ],
        resolved={"attachments": {first["id"]: first, last["id"]: last}},
    )
    answer = await discord_api.wait_for(lambda: discord_api.reply_to(inter), what="the refusal")
    assert answer.flags & 64 and "`cogvideox-2` can't move between two pictures" in (answer.content or "")
    assert video_api.submits == []


async def test_a_vidu_text_job_sends_the_vidu_options_and_delivers(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    await make_bot()
    inter = await discord_api.slash(
        "video",
        [
            *prompt("a paper boat on a rainy street"),
            {"name": "model", "type": 3, "value": "viduq1-text"},
            {"name": "style", "type": 3, "value": "anime"},
            {"name": "aspect_ratio", "type": 3, "value": "9:16"},
            {"name": "movement_amplitude", "type": 3, "value": "small"},
        ],
    )
    reply = await discord_api.wait_for(lambda: finished(discord_api, inter), what="the final reply")
    assert reply.title == "✅ Your video is ready"
    [body] = video_api.submits
    assert {k: body[k] for k in ("model", "style", "aspect_ratio", "movement_amplitude")} == {
        "model": "viduq1-text",
        "style": "anime",
        "aspect_ratio": "9:16",
        "movement_amplitude": "small",
    }
    made_with = str(reply.embeds[0])  # the finished video names what it was made with
    assert all(part in made_with for part in ("viduq1-text", "anime", "9:16", "small"))
    fps = await discord_api.slash(
        "video",
        [
            *prompt("a boat"),
            {"name": "model", "type": 3, "value": "viduq1-text"},
            {"name": "fps", "type": 4, "value": 60},
        ],
    )
    answer = await discord_api.wait_for(lambda: discord_api.reply_to(fps), what="the refusal")
    assert "`viduq1-text` doesn't support the `frame rate` option" in (answer.content or "")
    assert len(video_api.submits) == 1


async def test_sizes_are_offered_for_the_chosen_model_labelled_by_shape_with_the_default_marked(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    await make_bot()
    sizes = await autocomplete(
        discord_api,
        "video",
        [
            {"name": "model", "type": 3, "value": "cogvideox-3"},
            {"name": "size", "type": 3, "value": "", "focused": True},
        ],
    )
    names = [c["name"] for c in sizes]
    assert "Landscape 16:9 — 1920×1080" in names and "Portrait 9:16 — 720×1280" in names
    assert "Square 1:1 — 1024×1024" in names and "720x480" not in [c["value"] for c in sizes]  # cogvideox-2 only
    flash = await autocomplete(
        discord_api,
        "video",
        [
            {"name": "model", "type": 3, "value": "cogvideox-flash"},
            {"name": "size", "type": 3, "value": "", "focused": True},
        ],
    )
    assert flash == []  # cogvideox-flash takes no size: nothing is offered
    durations = await autocomplete(
        discord_api,
        "video",
        [
            {"name": "model", "type": 3, "value": "cogvideox-3"},
            {"name": "duration", "type": 4, "value": "", "focused": True},
        ],
    )
    assert durations == [{"name": "5 seconds (default)", "value": 5}, {"name": "10 seconds", "value": 10}]
    models = await autocomplete(discord_api, "video", [{"name": "model", "type": 3, "value": "", "focused": True}])
    assert {"name": "CogVideoX-2 — 0.1 credits (default)", "value": "cogvideox-2"} in models
    assert "vidu2-image" not in [c["value"] for c in models]  # it needs a picture: not offered for /video


async def test_a_model_the_server_disallowed_is_refused_and_not_offered(
    discord_api: FakeDiscord, video_api: FakeVideoAPI, make_bot
) -> None:
    await make_bot()
    answer = await mod(
        discord_api,
        "models",
        [
            {"name": "use", "type": 3, "value": "cogvideox-2"},
            {"name": "default", "type": 3, "value": "cogvideox-2"},
            {"name": "forbid", "type": 3, "value": "4k"},
        ],
    )
    assert "Models members may use here: `cogvideox-2`" in (answer.content or "")
    assert "turned off: 4k" in (answer.content or "")

    inter = await discord_api.slash("video", [*prompt("a fox"), {"name": "model", "type": 3, "value": "cogvideox-3"}])
    answer = await discord_api.wait_for(lambda: discord_api.reply_to(inter), what="the refusal")
    assert answer.flags & 64 and "This server doesn't use `cogvideox-3`. Models here: `cogvideox-2`." in answer.content
    inter = await discord_api.slash("video", [*prompt("a fox"), {"name": "size", "type": 3, "value": "3840x2160"}])
    answer = await discord_api.wait_for(lambda: discord_api.reply_to(inter), what="the refusal")
    assert "turned off 4k videos" in (answer.content or "")
    assert video_api.submits == []
    models = await autocomplete(discord_api, "video", [{"name": "model", "type": 3, "value": "", "focused": True}])
    assert [c["value"] for c in models] == ["cogvideox-2"]
    sizes = await autocomplete(discord_api, "video", [{"name": "size", "type": 3, "value": "", "focused": True}])
    assert sizes and "3840x2160" not in [c["value"] for c in sizes]  # forbidden here: not offered
