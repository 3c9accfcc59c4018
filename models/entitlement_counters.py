"""An entitlement's counters, as the ledger decides on them: plain values,
no ORM (see service_entitlement_reservation.py)."""

from . import entitlement_policy as policy


class Counters:
    """An entitlement's counters as read under its lock, or as the request
    read them (then they move only if they are still those)."""

    __slots__ = ("alert_sent", "id", "limits", "state", "threshold", "total", "used")

    def __init__(self, row):
        """``row``: id, total, used, state, alert sent, alert threshold and
        the channel limits [(id, channel, allowed, used)]."""
        (
            self.id,
            total,
            self.used,
            self.state,
            self.alert_sent,
            self.threshold,
            limits,
        ) = row
        self.total = total or 0.0
        # {channel: (limit id, terms allowed, terms used)}
        self.limits = {
            channel: (limit_id, allowed, used_by_channel)
            for limit_id, channel, allowed, used_by_channel in limits or ()
        }

    def remaining(self, channel):
        """Terms left for documents of ``channel``."""
        left = self.total - self.used
        limit = self.limits.get(channel) if channel else None
        if limit:
            left = policy.channel_left(left, limit[1], limit[2])
        return left

    def moved(self, quantity):
        """The counters once ``quantity`` more is used."""
        used = self.used + quantity
        remaining = self.total - used
        percent = policy.remaining_percent(self.total, remaining)
        alert = (
            quantity > 0
            and self.state == "active"
            and not self.alert_sent
            and policy.terms_low(percent, self.threshold)
        )
        return {
            "used_terms": used,
            "remaining_terms": remaining,
            "remaining_percent": percent,
            "alert_set": alert,
        }

    def channel_moved(self, channel, quantity):
        """(limit id, terms used by the channel once ``quantity`` more is
        used), or None when the channel has no limit."""
        limit = self.limits.get(channel) if channel else None
        return limit and (limit[0], limit[2] + quantity)
