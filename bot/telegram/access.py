"""Who may ask, and how often: checked before anything is computed."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Collection
from dataclasses import dataclass, field


@dataclass(frozen=True)
class AllowList:
    """Empty lists allow everyone; otherwise both the user and the chat must be listed."""

    users: frozenset[int] = frozenset()
    chats: frozenset[int] = frozenset()

    @classmethod
    def of(cls, users: Collection[int], chats: Collection[int]) -> AllowList:
        return cls(frozenset(users), frozenset(chats))

    def allows(self, user_id: int | None, chat_id: int | None) -> bool:
        if self.users and user_id not in self.users:
            return False
        return not (self.chats and chat_id not in self.chats)


@dataclass
class RateLimiter:
    """At most ``limit`` events per user in any ``window_s`` sliding window."""

    limit: int
    window_s: float = 60.0
    clock: Callable[[], float] = time.monotonic
    _events: dict[int, deque[float]] = field(default_factory=dict)

    def retry_after(self, user_id: int) -> float:
        """0 if the user may go ahead now (the event is counted), else seconds to wait."""
        now = self.clock()
        events = self._events.setdefault(user_id, deque())
        while events and events[0] <= now - self.window_s:
            events.popleft()
        if len(events) >= self.limit:
            return events[0] + self.window_s - now
        events.append(now)
        self._prune(now)
        return 0.0

    def _prune(self, now: float) -> None:
        # Bounded memory with many users: drop those with no recent events.
        if len(self._events) > 10_000:
            stale = now - self.window_s
            for user in [u for u, ev in self._events.items() if not ev or ev[-1] <= stale]:
                del self._events[user]
