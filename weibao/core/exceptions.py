"""Domain-neutral errors that views and the API map to HTTP answers (409 for both)."""

from django.utils.translation import gettext_lazy as _


class TransitionNotAllowed(Exception):
    """A state change that the state table does not allow from the current state."""

    def __init__(self, *, current: str, requested: str, message: str | None = None) -> None:
        self.current, self.requested = current, requested
        self.message = message or str(
            _("Cannot move from “%(current)s” to “%(requested)s”.") % {"current": current, "requested": requested}
        )
        super().__init__(self.message)


class StaleEdit(Exception):
    """Someone else changed the row since the user loaded it; the user reloads and retries."""

    def __init__(self, message: str | None = None) -> None:
        self.message = message or str(_("This record was changed by someone else. Reload it and try again."))
        super().__init__(self.message)
