"""The one error type services raise when input breaks a rule."""

from __future__ import annotations


class ValidationFailed(Exception):
    """A list of ``(field, message)``; ``field`` is a form field name or ``None`` for the form."""

    def __init__(self, errors: list[tuple[str | None, str]]):
        super().__init__("; ".join(str(m) for _, m in errors))
        self.errors = errors

    def apply_to(self, form) -> None:
        """Put the messages on the form's fields so the page shows them beside each input."""
        for field, message in self.errors:
            target = getattr(form, field, None) if field else None
            if target is not None:
                target.errors = list(target.errors or []) + [str(message)]
            else:
                form.form_errors.append(str(message))
