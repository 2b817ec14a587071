"""The notification settings as plain frozen values, built by the composition root.

Invariant: ``None`` for a channel means "not configured": its deliveries are recorded as
failed at once (``channel not configured``) rather than left pending for ever.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.notify.secret_box import SecretBox
from ingest.notify.targets import AllowedTargets


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    """How webhooks are sent, and what a webhook contact may be.

    ``allowed``: the non-public hosts, addresses and networks an administrator lets webhooks
    reach (COLDCHAIN_NOTIFY_WEBHOOK_ALLOWED_HOSTS; empty: public addresses only).
    ``secrets``: the box that seals and opens webhook secrets (COLDCHAIN_SECRET_KEY); None:
    no secret can be stored, and a stored one cannot be opened.
    """

    timeout_s: float = 5.0
    allowed: AllowedTargets = field(default_factory=AllowedTargets)
    secrets: SecretBox | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class MqttChannelConfig:
    host: str
    port: int
    client_id: str = "coldchain-notify"
    username: str | None = None
    password: str | None = None
    protocol: str = "5"  # "5" or "3.1.1"
    alarm_topic: str = "coldchain/v1/alarms"  # notices go to {alarm_topic}/{facility}/{unit}
    publish_timeout_s: float = 5.0  # how long to wait for the PUBACK


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int = 25
    sender: str = "coldchain@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout_s: float = 10.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Capped exponential back-off: initial, 2 × initial, 4 × … up to ``max_s``."""

    max_attempts: int = 10
    initial_s: float = 2.0
    max_s: float = 300.0

    def delay_s(self, attempts: int) -> float:
        """The wait before the next attempt, after ``attempts`` failed attempts (≥ 1)."""
        exponent = min(max(attempts - 1, 0), 62)
        return float(min(self.initial_s * 2**exponent, self.max_s))


@dataclass(frozen=True, slots=True)
class NotifyConfig:
    webhook: WebhookConfig | None = WebhookConfig()
    mqtt: MqttChannelConfig | None = None
    smtp: SmtpConfig | None = None
    retry: RetryPolicy = RetryPolicy()
    workers_per_channel: int = 4  # concurrent deliveries per channel
    poll_s: float = 2.0  # look for due retries, expired leases, other processes' rows
    lease_s: float = 60.0  # a claimed row is resumed by anyone after this
    ack_url: str | None = None  # e-mail: where to acknowledge; "{alarm_id}" is filled in

    def configured_channels(self) -> frozenset[str]:
        names = {"webhook": self.webhook, "mqtt": self.mqtt, "email": self.smtp}
        return frozenset(name for name, value in names.items() if value is not None)
