"""The notifier's configuration as the composition root derives it from the settings."""

from __future__ import annotations

from coldchain.settings import load_settings
from coldchain.wiring import notify_config


def test_by_default_only_webhooks_are_configured() -> None:
    config = notify_config(load_settings(database_url="sqlite:///:memory:"))
    assert config.configured_channels() == {"webhook"}
    assert config.webhook is not None and config.webhook.timeout_s == 5.0


def test_a_broker_and_an_smtp_host_turn_on_mqtt_and_email() -> None:
    settings = load_settings(
        database_url="sqlite:///:memory:",
        mqtt_url="mqtt://broker.example:1884",
        alarm_mqtt_topic="site/alarms/",
        smtp_host="mail.example",
        smtp_port=587,
        smtp_starttls=True,
        smtp_from="coldchain@example.org",
        notify_max_attempts=3,
        notify_retry_initial_s=1.0,
        notify_retry_max_s=8.0,
    )
    config = notify_config(settings)
    assert config.configured_channels() == {"webhook", "mqtt", "email"}
    assert config.mqtt is not None
    assert (config.mqtt.host, config.mqtt.port) == ("broker.example", 1884)
    assert config.mqtt.alarm_topic == "site/alarms"
    assert config.mqtt.client_id.startswith("coldchain-notify-")
    assert config.smtp is not None
    assert (config.smtp.host, config.smtp.port, config.smtp.starttls) == (
        "mail.example",
        587,
        True,
    )
    assert config.smtp.sender == "coldchain@example.org"
    assert [config.retry.delay_s(n) for n in (1, 2, 3, 4, 5)] == [1.0, 2.0, 4.0, 8.0, 8.0]
    assert config.retry.max_attempts == 3


def test_the_embedded_broker_can_be_passed_in() -> None:
    settings = load_settings(database_url="sqlite:///:memory:")
    config = notify_config(settings, mqtt_url="mqtt://127.0.0.1:18830")
    assert config.mqtt is not None and config.mqtt.port == 18830
