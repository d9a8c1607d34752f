"""A broker that refuses connections, as Redis does while it is down (issue 11)."""

from kombu.exceptions import OperationalError


class BrokerAway:
    """`task.apply_async` raises kombu's OperationalError, as publishing to a stopped Redis
    does, until `back()`."""

    def __init__(self, monkeypatch, task) -> None:
        self.down = True
        original = task.apply_async

        def apply_async(*args, **kwargs):
            if self.down:
                raise OperationalError(
                    "Error 111 connecting to 127.0.0.1:6379. Connection refused."
                )
            return original(*args, **kwargs)

        monkeypatch.setattr(task, "apply_async", apply_async)

    def back(self) -> None:
        self.down = False
