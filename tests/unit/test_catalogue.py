"""The model catalogue: the shipped file, an operator's override, and the bodies built from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_settings
from bot.errors import ConfigError, InvalidOptions
from bot.jobs.schedule import prior_seconds
from bot.models import GuildPolicy, VideoOptions
from bot.moderation.policy import Refused, check_model, model_for
from bot.provider.catalogue import OPTION_NAMES, CatalogueError, load
from bot.provider.options import pack_images, request_body, validate_options
from bot.spending.budget import SpendingPolicy
from tests.standins.fake_video import refusal

SHIPPED = (
    "cogvideox-2", "cogvideox-3", "cogvideox-flash", "viduq1-text", "viduq1-image", "viduq1-start-end",
    "vidu2-image", "vidu2-start-end", "vidu2-reference",
)  # fmt: skip
PICTURE = "data:image/png;base64,AAAA"
BASE = {"DISCORD_TOKEN": "a-token", "VIDEO_API_KEY": "a-key"}


def test_every_model_the_issue_lists_ships_with_its_kind() -> None:
    cat = load()
    assert tuple(cat.models) == SHIPPED
    assert cat.models["cogvideox-3"].mode_for(2) == "start_end"
    assert cat.models["cogvideox-flash"].allowed("size") == () and cat.models["cogvideox-flash"].allowed("fps") == ()
    assert cat.models["viduq1-text"].allowed("style") == ("general", "anime")
    assert cat.models["vidu2-image"].allowed("duration") == ("4",)
    assert cat.models["vidu2-reference"].mode_for(3) == "reference"


def _bodies(name: str) -> list[dict[str, object]]:
    """Every single-option variation the catalogue allows, for every number of pictures the model takes."""
    spec = load().models[name]
    bodies = []
    for pictures in range(spec.images.max + 1):
        mode = spec.mode_for(pictures)
        if mode is None:
            continue
        variations: list[dict[str, object]] = [{}]
        for option in OPTION_NAMES:
            for value in spec.allowed(option, mode=mode):
                if option == "with_audio":
                    variations.append({"with_audio": value == "true"})
                else:
                    variations.append({option: int(value) if option in {"duration", "fps"} else value})
        images = pack_images([PICTURE] * pictures)
        for chosen in variations:
            options = validate_options(VideoOptions(model=name, **chosen), pictures=pictures)  # type: ignore[arg-type]
            body = request_body(options, prompt="a fox", image=images, request_id="r", user_id="discord-1")
            bodies.append(body)
    return bodies


@pytest.mark.parametrize("name", SHIPPED)
def test_the_body_of_every_shipped_model_is_one_the_stand_in_accepts(name: str) -> None:
    """Each option value the catalogue offers builds a body the (independently written) stand-in accepts."""
    bodies = _bodies(name)
    assert bodies
    assert [(b, refusal(b)) for b in bodies if refusal(b) is not None] == []


def test_first_and_last_frame_sends_a_list_of_two_and_only_speed() -> None:
    options = validate_options(VideoOptions(model="cogvideox-3"), pictures=2)
    body = request_body(options, prompt="", image=pack_images(["A", "B"]), request_id="r", user_id="u")
    assert body["image_url"] == ["A", "B"]
    with pytest.raises(InvalidOptions) as info:
        validate_options(VideoOptions(model="cogvideox-3", quality="quality"), pictures=2)
    assert info.value.option == "start_end_quality" and info.value.allowed == ("speed",)
    assert refusal({"model": "cogvideox-3", "image_url": ["A", "B"], "quality": "quality"}) is not None


@pytest.mark.parametrize(
    ("options", "pictures", "option"),
    [
        (VideoOptions(model="viduq1-text", fps=30), 0, "fps"),
        (VideoOptions(model="viduq1-text"), 1, "images"),
        (VideoOptions(model="vidu2-image"), 0, "images"),
        (VideoOptions(model="vidu2-start-end"), 1, "images"),
        (VideoOptions(model="cogvideox-2"), 2, "images"),
        (VideoOptions(model="cogvideox-3", style="anime"), 0, "style"),
        (VideoOptions(model="vidu2-image", duration=5), 1, "duration"),
        (VideoOptions(model="viduq1-text", with_audio=True), 0, "with_audio"),
    ],
)
def test_what_a_model_does_not_take_is_refused_by_name(options: VideoOptions, pictures: int, option: str) -> None:
    with pytest.raises(InvalidOptions) as info:
        validate_options(options, pictures=pictures)
    assert info.value.option == option


def test_price_and_schedule_prior_come_from_the_catalogue(tmp_path: Path) -> None:
    extra = tmp_path / "models.toml"
    extra.write_text('[models."cogvideox-3"]\nprice = "0.25"\nprior_s = 33.0\n')
    load_settings({**BASE, "MODELS_FILE": str(extra)}, env_file=None)
    try:
        spending = SpendingPolicy(price=100_000, daily_budget=1_000_000, hourly_limit=3)
        assert spending.price_for(GuildPolicy(), "cogvideox-3") == 250_000
        assert spending.price_for(GuildPolicy(), "cogvideox-2") == 100_000  # no price in the catalogue: ours
        assert spending.price_for(GuildPolicy(prices={"cogvideox-3": 5}), "cogvideox-3") == 5  # the server's wins
        assert prior_seconds(VideoOptions(model="cogvideox-3")) == 33.0
    finally:
        load_settings(BASE, env_file=None)  # back to the shipped catalogue


def test_an_operator_can_add_a_model(tmp_path: Path) -> None:
    extra = tmp_path / "models.toml"
    extra.write_text(
        '[models."cogvideox-4"]\nlabel = "CogVideoX-4"\nmodes = ["text"]\nsizes = ["1920x1080"]\ndurations = [5]\n'
    )
    cat = load(extra)
    assert cat.models["cogvideox-4"].allowed("size") == ("1920x1080",)
    assert "cogvideox-2" in cat.models


def test_a_broken_operator_file_names_each_line_to_fix(tmp_path: Path) -> None:
    """One line per problem, each with the file, the line number and what the value should be."""
    extra = tmp_path / "models.toml"
    extra.write_text(
        "# my models\n"
        '[models."cogvideox-3"]\n'
        "fps = [24, 0]\n"
        'sizes = ["big"]\n'
        "\n"
        '[models."mine"]\n'
        'modes = ["text", "video"]\n'
        "colour = true\n"
    )
    with pytest.raises(CatalogueError) as info:
        load(extra)
    where = f"MODELS_FILE={extra}"
    assert info.value.problems == [
        f"{where} line 3: models.cogvideox-3.fps must be a list of whole numbers above 0, e.g. [5, 10]",
        f'{where} line 4: models.cogvideox-3.sizes "big" is not WIDTHxHEIGHT, e.g. "1920x1080"',
        f"{where} line 7: models.mine.modes must name one or more of text, image, start_end, reference (not video)",
        (
            f"{where} line 8: models.mine: unknown field 'colour' (known: label, modes, sizes, fps, durations, "
            "qualities, start_end_qualities, audio, watermark, extras, defaults, images, price, list_price, "
            "prior_s, bases)"
        ),
    ]


def test_a_broken_operator_file_stops_start_up_with_one_line_per_problem(tmp_path: Path) -> None:
    extra = tmp_path / "models.toml"
    extra.write_text('[models."x"]\nmodes = "text"\n')
    with pytest.raises(ConfigError) as info:
        load_settings({**BASE, "MODELS_FILE": str(extra)}, env_file=None)
    assert str(info.value).splitlines()[1].strip().startswith(f"MODELS_FILE={extra} line 2: models.x.modes must be")
    extra.write_text("[models.x\nmodes = 1\n")
    with pytest.raises(ConfigError) as info:
        load_settings({**BASE, "MODELS_FILE": str(extra)}, env_file=None)
    assert "not valid TOML" in str(info.value) and "line 1" in str(info.value)
    with pytest.raises(ConfigError, match="cannot read it"):
        load_settings({**BASE, "MODELS_FILE": str(tmp_path / "missing.toml")}, env_file=None)


def test_a_server_limits_models_and_expensive_options() -> None:
    policy = GuildPolicy(models=("cogvideox-2", "viduq1-text"), forbidden=("4k", "audio"))
    check_model(policy, VideoOptions(model="cogvideox-2", size="1920x1080"))
    for options, rule in [
        (VideoOptions(model="cogvideox-3"), "model"),
        (VideoOptions(model="cogvideox-2", size="3840x2160"), "option_forbidden"),
        (VideoOptions(model="cogvideox-2", with_audio=True), "option_forbidden"),
    ]:
        with pytest.raises(Refused) as info:
            check_model(policy, options)
        assert info.value.rule == rule
    # No model picked: the server's default if it fits, else the first allowed one that takes a picture.
    assert model_for(policy.replace(default_model="viduq1-text"), fallback="cogvideox-3", pictures=0) == "viduq1-text"
    assert model_for(policy.replace(default_model="viduq1-text"), fallback="cogvideox-3", pictures=1) == "cogvideox-2"


def test_doctor_says_when_the_default_model_is_not_served_by_the_base() -> None:
    from bot.doctor import _model_served

    zai = load_settings({**BASE, "VIDEO_API_BASE": "https://api.z.ai/api"}, env_file=None)
    check = _model_served(zai)  # cogvideox-2 is not on api.z.ai
    assert not check.ok and "VIDEO_MODEL=cogvideox-2 is not served by https://api.z.ai/api" in check.what
    assert _model_served(
        load_settings({**BASE, "VIDEO_MODEL": "cogvideox-3", "VIDEO_API_BASE": "https://api.z.ai/api"}, env_file=None)
    ).ok
