"""The chat call behind ✨ Enhance: one ``POST …/api/paas/v4/chat/completions`` to Zhipu's free
chat model (named in the catalogue's [chat] table), with a hard timeout and typed errors.

Its base is its own setting (CHAT_API_BASE): a relay may serve chat somewhere else than video.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from bot.provider import errors

CHAT_PATH = "/api/paas/v4/chat/completions"
INSTRUCTIONS = (
    "You rewrite short ideas into prompts for a text-to-video model. Keep the member's subject, action "
    "and language. Add concrete visual detail: setting, lighting, camera movement, mood, style. One "
    "paragraph, at most 80 words, no lists, no quotation marks, no preamble: answer with the prompt only."
)


class ChatClient:
    """Rewrites one prompt; raises a typed ProviderError on any failure."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        base_url: str,
        api_key: str,
        model: str,
        max_tokens: int = 400,
        timeout_s: float = 20.0,
    ) -> None:
        self._session = session
        self._url = base_url.rstrip("/") + CHAT_PATH
        self._headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
        self._model, self._max_tokens = model, max_tokens
        self._timeout = aiohttp.ClientTimeout(total=timeout_s, sock_connect=min(10.0, timeout_s))

    async def enhance(self, prompt: str) -> str:
        """Return a more detailed version of ``prompt`` (never empty).

        Raises:
            ProviderError: timeout, connection, refusal, or an answer without text.
        """
        body = {
            "model": self._model,
            "messages": [{"role": "system", "content": INSTRUCTIONS}, {"role": "user", "content": prompt}],
            "max_tokens": self._max_tokens,
            "temperature": 0.7,
        }
        try:
            async with self._session.post(self._url, json=body, headers=self._headers, timeout=self._timeout) as resp:
                raw, status = await resp.read(), resp.status
        except TimeoutError:
            raise errors.ProviderTimeout("chat timed out") from None
        except aiohttp.ClientConnectorError as exc:
            raise errors.ProviderUnreachable(f"chat: cannot connect ({type(exc).__name__})") from None
        except aiohttp.ClientError as exc:
            raise errors.ServerError(f"chat: {type(exc).__name__}") from None
        try:
            data: Any = json.loads(raw)
        except ValueError:
            raise errors.MalformedResponse(f"chat: HTTP {status}, not JSON") from None
        if status >= 400 or (isinstance(data, dict) and isinstance(data.get("error"), dict)):
            raise errors.classify(status, data)
        text = _content(data)
        if not text:
            raise errors.MalformedResponse("chat: no text in the answer")
        return text


def _content(data: Any) -> str:
    try:
        text = data["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        return ""
    return " ".join(str(text).split()).strip().strip('"“”')
