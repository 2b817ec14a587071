"""The notifier's configuration as the composition root derives it from the settings."""

from __future__ import annotations

import ipaddress

import pytest
from cryptography.fernet import Fernet

from coldchain.settings import ConfigurationError, load_settings
from coldchain.wiring import notify_config
from ingest.notify.targets import AllowedTargets


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


def test_webhooks_allow_no_private_target_and_store_no_secret_by_default() -> None:
    webhook = notify_config(load_settings(database_url="sqlite:///:memory:")).webhook
    assert webhook is not None
    assert webhook.allowed == AllowedTargets() and webhook.secrets is None


def test_the_allow_list_and_the_secret_key_come_from_the_settings() -> None:
    key = Fernet.generate_key().decode()
    settings = load_settings(
        database_url="sqlite:///:memory:",
        notify_webhook_allowed_hosts="127.0.0.1, 10.8.0.0/16,hooks.internal",
        secret_key=key,
    )
    webhook = notify_config(settings).webhook
    assert webhook is not None and webhook.secrets is not None
    assert webhook.allowed.allows_host("hooks.internal")
    assert webhook.allowed.allows_address(ipaddress.ip_address("10.8.1.1"))
    assert webhook.secrets.open(webhook.secrets.seal("a-secret-of-16+")) == "a-secret-of-16+"
    assert key not in repr(settings) and key not in repr(webhook)


@pytest.mark.parametrize(
    ("setting", "value", "named"),
    [
        ("notify_webhook_allowed_hosts", "127.0.0.1,*.example.org", "ALLOWED_HOSTS"),
        ("secret_key", "not-a-fernet-key", "COLDCHAIN_SECRET_KEY"),
    ],
)
def test_a_bad_webhook_setting_fails_at_start_up_naming_it(
    setting: str, value: str, named: str
) -> None:
    settings = load_settings(database_url="sqlite:///:memory:", **{setting: value})
    with pytest.raises(ConfigurationError, match=named):
        notify_config(settings)
