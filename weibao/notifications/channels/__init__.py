"""One interface for every channel: `transport_for(channel).send(delivery)` returns the provider's reference or
raises TransientError (try again later) / PermanentError (give up). See base.py."""

from weibao.notifications.channels.base import PermanentError, TransientError, Transport, transport_for

__all__ = ["PermanentError", "TransientError", "Transport", "transport_for"]
