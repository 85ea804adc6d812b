"""Typed provider errors, from both error shapes (Zhipu's ``error.code`` strings, 302.AI's ``err_code``).

The classes say what the bot should do; the Discord layer says what the member reads.
"""

from __future__ import annotations


class ProviderError(Exception):
    """Root of every error from the video API."""

    retryable = False

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        self.status, self.code = status, code
        super().__init__(message)


class ContentRejected(ProviderError):
    """1301: the prompt, the picture or the output was judged unsafe."""


class InvalidRequest(ProviderError):
    """12xx or a plain 400: the request itself is wrong."""


class AuthFailed(ProviderError):
    """1000–1004, 401, 302.AI -10001/-10005: the operator's key is wrong or expired."""


class AccountProblem(ProviderError):
    """1110–1121: the provider account is inactive, locked or in arrears."""


class OutOfBalance(AccountProblem):
    """1113 or 302.AI -10004: no credit left on the operator's account."""


class UsageCapReached(OutOfBalance):
    """1304 (daily call limit), 1308–1310, 1313 (usage caps): like an empty balance, submitting stops
    until it resets; the queue is kept. A subclass of OutOfBalance so the runner treats it the same."""


class RateLimited(ProviderError):
    """1302/1303/1305/1312 or a plain 429: slow down and keep the queue."""

    retryable = True

    def __init__(
        self, message: str, *, status: int | None = None, code: str | None = None, retry_after: float = 10.0
    ) -> None:
        super().__init__(message, status=status, code=code)
        self.retry_after = retry_after


class DuplicateRequest(ProviderError):
    """1231: a task with this request_id exists already; find it instead of creating another."""


class ServerError(ProviderError):
    """5xx, 1230, 1234: the provider failed; the request may or may not have been taken."""

    retryable = True


class ProviderTimeout(ProviderError):
    """No answer in time; whether a submit landed is unknown."""

    retryable = True


class ProviderUnreachable(ProviderError):
    """The connection could not be made: the request provably never left."""

    retryable = True


class MalformedResponse(ProviderError):
    """The answer was not the JSON we expect (an HTML gateway page, say)."""

    retryable = True


class TaskNotFound(ProviderError):
    """The provider does not know this task id (a look-up answered 404 in JSON, 1232 or 1233)."""


_RATE_CODES = {"1302": 15.0, "1303": 10.0, "1305": 8.0, "1312": 30.0}
_CAP_CODES = {"1304", "1308", "1309", "1310", "1313"}  # daily call limit, usage caps: stop until reset
_NOT_FOUND_CODES = {"1232", "1233"}  # on a look-up: "use the task id" / "the task does not exist"


def classify(status: int, body: object, *, lookup: bool = False, gateway_page: bool = False) -> ProviderError:
    """Turn a non-2xx answer (or a 2xx carrying an error object) into a typed error.

    ``lookup``: the answer is to ``async-result`` (so "not found" codes mean the task).
    ``gateway_page``: the body was not JSON (a proxy's HTML page): a 404/405 there is the gateway
    talking, not the provider saying the task does not exist.
    """
    code, message = _error_fields(body)
    text = f"HTTP {status}" + (f" code {code}" if code else "") + (f": {message}" if message else "")
    if gateway_page and status in (404, 405):
        return MalformedResponse(f"HTTP {status} from a gateway (not JSON)", status=status)
    if lookup and code in _NOT_FOUND_CODES:
        return TaskNotFound(text, status=status, code=code)
    if code in _CAP_CODES:
        return UsageCapReached(text, status=status, code=code)
    if code == "1301":
        return ContentRejected(text, status=status, code=code)
    if code == "1231":
        return DuplicateRequest(text, status=status, code=code)
    if code in {"1113", "-10004"}:
        return OutOfBalance(text, status=status, code=code)
    if code in _RATE_CODES:
        return RateLimited(text, status=status, code=code, retry_after=_RATE_CODES[code])
    if code and ((code.startswith("100") and len(code) == 4) or code in {"-10001", "-10005"}):
        return AuthFailed(text, status=status, code=code)
    if code and code.isdigit() and 1110 <= int(code) <= 1121:
        return AccountProblem(text, status=status, code=code)
    if code and code.isdigit() and 1200 <= int(code) <= 1299 and code not in {"1230", "1234"}:
        return InvalidRequest(text, status=status, code=code)
    if status in (401, 403):
        return AuthFailed(text, status=status, code=code)
    if status == 404:
        return TaskNotFound(text, status=status, code=code)
    if status == 429:
        return RateLimited(text, status=status, code=code)
    if status >= 500 or code in {"500", "1230", "1234", "-1024", "-10003"}:
        return ServerError(text, status=status, code=code)
    if 400 <= status < 500:
        return InvalidRequest(text, status=status, code=code)
    return ServerError(text, status=status, code=code)


def _error_fields(body: object) -> tuple[str | None, str]:
    if not isinstance(body, dict):
        return None, ""
    error = body.get("error")
    if not isinstance(error, dict):
        return None, str(body.get("message") or "")[:200]
    raw = error.get("code", error.get("err_code"))
    code = None if raw is None else str(raw)
    message = error.get("message_en") or error.get("message") or ""
    return code, str(message)[:200]
