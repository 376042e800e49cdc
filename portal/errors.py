"""Domain errors raised by services. No Flask imports: the web layer, the API
and the CLI each translate them into their own answers."""


class DomainError(Exception):
    """A use case refused. ``code`` is stable for API clients; ``message`` is for people."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, details=None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details


class Invalid(DomainError):
    status = 422
    code = "invalid"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
