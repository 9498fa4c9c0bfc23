"""Mastodon's error responses: {"error": "..."} with the status code Mastodon uses."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse


class APIError(Exception):
    def __init__(self, status: int, message: str, description: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.description = description


def not_found() -> APIError:
    return APIError(404, "Record not found")


def unprocessable(message: str) -> APIError:
    return APIError(422, f"Validation failed: {message}" if not message.startswith("Validation failed") else message)


def forbidden(message: str = "This action is not allowed") -> APIError:
    return APIError(403, message)


def error_response(status: int, message: str, description: str | None = None) -> JSONResponse:
    body: dict[str, str] = {"error": message}
    if description:
        body["error_description"] = description
    return JSONResponse(body, status_code=status)


async def handle_api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, APIError)
    response = error_response(exc.status, exc.message, exc.description)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response
