"""The application's error type: a message a person can act on, plus a machine-readable code."""


class ApplicationError(Exception):
    """Raised by services when a request is well-formed but cannot be carried out.

    The API turns it into a 400 (or `status`), the HTML views into a form or page error.
    """

    status = 400

    def __init__(self, message: str, *, code: str = "invalid", status: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        if status is not None:
            self.status = status


class ConflictError(ApplicationError):
    status = 409

    def __init__(self, message: str, *, code: str = "conflict"):
        super().__init__(message, code=code)


class PermissionDeniedError(ApplicationError):
    """The person's role (or their part in an engagement) does not allow what they asked:
    the 403 page, or the API's 403 with code `permission_denied`."""

    status = 403

    def __init__(
        self, message: str = "Your role does not allow this.", *, code: str = "permission_denied"
    ):
        super().__init__(message, code=code)
