"""E-mail channel: a plain-text message a clinic nurse can act on, sent with smtplib.

Invariants: the subject names the severity, the facility and the unit; the body says what
happened, where, since when, the peak, which vaccine was exposed, what to do now (keep the
vaccine cold, mark it DO NOT USE, do not discard it) and how to acknowledge. Every retry
of one delivery carries the same ``Message-ID``, so a mail system can drop duplicates.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage

from ingest.alarms.ports import SENSOR_OFFLINE, AlarmNotice, NoticeKind
from ingest.notify.config import SmtpConfig
from ingest.notify.errors import DeliveryFailed, DeliveryRejected
from ingest.notify.outbox import Delivery
from ingest.notify.payload import notice_from_json

_KIND_WORDS = {
    NoticeKind.RAISED: "raised",
    NoticeKind.RENOTIFIED: "still active (reminder)",
    NoticeKind.ESCALATED: "escalated",
    NoticeKind.CLEARED: "cleared",
    NoticeKind.ACKNOWLEDGED: "acknowledged",
}

_KEEP_SAFE = [
    "Keep the vaccine in the fridge. Do NOT discard it.",
    'Mark it "DO NOT USE" and do not give it to anyone until a supervisor records a'
    " decision (released or destroyed).",
]


def subject(notice: AlarmNotice) -> str:
    """``[ALARM] clinic-7 / fridge-1: who-heat raised``."""
    words = _KIND_WORDS[notice.kind]
    if notice.kind is NoticeKind.ESCALATED:
        words = f"escalated (level {notice.escalation_level})"
    where = notice.facility if notice.unit is None else f"{notice.facility} / {notice.unit}"
    return f"[{notice.severity.upper()}] {where}: {notice.rule_id} {words}"


def body(notice: AlarmNotice, ack_url: str | None = None) -> str:
    """The plain-text body: what, where, since when, peak, exposed vaccine, what to do."""
    sections = [
        [notice.message],
        _facts(notice),
        _exposed(notice),
        ["WHAT TO DO NOW", *(f"  {i}. {step}" for i, step in enumerate(_steps(notice), 1))],
        _acknowledge(notice, ack_url),
        [
            f"Notice {notice.notice_id}, alarm {notice.alarm_id}, escalation level "
            f"{notice.escalation_level}. Times are UTC."
        ],
    ]
    return "\n\n".join("\n".join(lines) for lines in sections if lines) + "\n"


def _facts(notice: AlarmNotice) -> list[str]:
    where = f"facility {notice.facility}" + (
        "" if notice.unit is None else f", storage unit {notice.unit}"
    )
    if notice.sensor is not None:
        where += f", sensor {notice.sensor}"
    lines = [
        f"WHAT:   {notice.severity.upper()} {notice.rule_id} {_KIND_WORDS[notice.kind]}",
        f"WHERE:  {where}",
        f"SINCE:  {_utc(notice.started_at)} (condition began); alarm fired {_utc(notice.fired_at)}",
    ]
    if notice.peak_c is not None:
        lines.append(f"PEAK:   {notice.peak_c:+.1f} °C")
    if notice.cleared_at is not None:
        lines.append(f"CLEARED: {_utc(notice.cleared_at)}")
    if notice.acknowledged_by is not None:
        lines.append(f"ACKNOWLEDGED BY: {notice.acknowledged_by}: {notice.comment or ''}".rstrip())
    return lines


def _exposed(notice: AlarmNotice) -> list[str]:
    if notice.unit is None:  # a facility alarm: no unit, nothing exposed
        return []
    if notice.rule_id == SENSOR_OFFLINE and not notice.exposed_lots:
        return []
    if not notice.exposed_lots:
        return [
            "VACCINE EXPOSED: not known yet. Treat all vaccine that was in the unit as exposed."
        ]
    lines = ["VACCINE IN THE UNIT DURING THE EXCURSION (exposed):"]
    for lot in notice.exposed_lots:
        note = ", freeze-sensitive" if lot.freeze_sensitive else ""
        lines.append(
            f"  - {lot.product} lot {lot.lot_number} (expiry {lot.expiry.isoformat()}): "
            f"{lot.doses} doses{note}"
        )
    lines.append(f"  Total: {notice.exposed_doses} doses")
    return lines


def _steps(notice: AlarmNotice) -> list[str]:
    if notice.unit is None:
        return list(notice.steps) or ["Open the alarm in coldchain and do what it says."]
    if notice.kind is NoticeKind.CLEARED:
        return [
            "The temperature is back in range. The exposed vaccine stays DO NOT USE: do not"
            " give it and do not discard it until a supervisor records a decision.",
            "If this alarm was not acknowledged yet, acknowledge it with what was done.",
        ]
    if notice.kind is NoticeKind.ACKNOWLEDGED:
        return [
            *_KEEP_SAFE,
            "Someone has taken charge (above); the alarm stays open until the cause is gone.",
        ]
    if notice.rule_id == SENSOR_OFFLINE:
        return [
            "The sensor has stopped reporting: the temperature is unknown. Read the fridge's"
            " own thermometer now and write down the temperature and the time.",
            "Check the sensor: battery, power, network. Record the temperature by hand"
            " morning and afternoon until it reports again.",
            "If the thermometer shows the vaccine out of range: " + " ".join(_KEEP_SAFE),
        ]
    return [
        *_KEEP_SAFE,
        "Check the unit: door shut, power on, plug in, thermostat setting. Write down the"
        " temperature you read now and the time.",
        "If the unit cannot hold its range, move the vaccine (still marked DO NOT USE) to a"
        " working unit of the same range.",
        "Tell your supervisor.",
    ]


def _acknowledge(notice: AlarmNotice, ack_url: str | None) -> list[str]:
    if notice.kind in (NoticeKind.CLEARED, NoticeKind.ACKNOWLEDGED):
        return []
    where = ack_url.replace("{alarm_id}", str(notice.alarm_id)) if ack_url else "coldchain"
    return [
        "HOW TO ACKNOWLEDGE",
        f"  Acknowledge alarm {notice.alarm_id} in {where} with a comment saying what you did.",
        "  Until someone acknowledges it, reminders continue and it is escalated to the next"
        " level (county, city, province).",
        "  Acknowledging does not clear the alarm: it clears when the cause is gone.",
    ]


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def render(delivery: Delivery, sender: str, ack_url: str | None = None) -> EmailMessage:
    """The message for one delivery (the notice from its stored JSON)."""
    notice = notice_from_json(delivery.payload)
    message = EmailMessage()
    message["Subject"] = subject(notice)
    message["From"] = sender
    message["To"] = delivery.address
    digest = hashlib.sha256(delivery.idempotency_key.encode()).hexdigest()[:40]
    message["Message-ID"] = f"<{digest}@coldchain>"
    message["X-Coldchain-Notice-Id"] = notice.notice_id
    message.set_content(body(notice, ack_url))
    return message


class EmailChannel:
    """One SMTP session per delivery (alarms are rare; no idle connection to keep alive)."""

    name = "email"

    def __init__(self, config: SmtpConfig, ack_url: str | None = None) -> None:
        self._config = config
        self._ack_url = ack_url

    def start(self) -> None:
        return None

    def send(self, delivery: Delivery) -> None:
        cfg = self._config
        message = render(delivery, cfg.sender, self._ack_url)
        try:
            with smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout_s) as smtp:
                if cfg.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if cfg.username is not None:
                    smtp.login(cfg.username, cfg.password or "")
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            error = DeliveryRejected if all(c >= 500 for c in codes) else DeliveryFailed
            raise error(f"recipient refused: {exc.recipients}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        return None
