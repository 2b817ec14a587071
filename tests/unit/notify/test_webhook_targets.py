"""Which webhook targets may be reached: loopback, link-local, private, shared, multicast,
unspecified and reserved addresses are refused, as literals and as what a name resolves to,
unless an administrator allows them."""

from __future__ import annotations

import ipaddress

import pytest

from ingest.notify.errors import TargetNotAllowed
from ingest.notify.targets import (
    AllowedTargets,
    IPAddress,
    Resolver,
    check_webhook_url,
    checked_addresses,
    system_resolver,
)

NOBODY = AllowedTargets()


def resolving_to(*addresses: str) -> dict[str, list[IPAddress]]:
    return {"hooks.example.org": [ipaddress.ip_address(a) for a in addresses]}


def fake_resolver(table: dict[str, list[IPAddress]]) -> Resolver:
    def resolve(host: str, port: int) -> list[IPAddress]:
        if host not in table:
            raise OSError(f"{host}: name or service not known")
        return table[host]

    return resolve


def no_dns(host: str, port: int) -> list[IPAddress]:
    raise AssertionError(f"an IP literal needs no resolution, yet {host} was resolved")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://127.0.0.1:9108/metrics", "loopback"),
        ("http://127.8.9.10/", "loopback"),
        ("http://10.1.2.3/hook", "private"),
        ("http://172.16.0.1/hook", "private"),
        ("https://192.168.1.20/hook", "private"),
        ("http://100.64.0.1/hook", "shared address space"),
        ("http://224.0.0.1/hook", "multicast"),
        ("http://0.0.0.0:8000/", "unspecified"),
        ("http://240.0.0.1/", "private"),  # 240/4 "reserved", which Python files as private
        ("http://[::1]:9108/metrics", "loopback"),
        ("http://[fd12:3456::1]/hook", "private"),
        ("http://[fe80::1]/hook", "link-local"),
        ("http://[ff02::1]/hook", "multicast"),
        ("http://[::]/hook", "unspecified"),
        ("http://[::ffff:169.254.169.254]/", "link-local"),  # IPv4-mapped
        ("http://[2002:7f00:1::]/hook", "loopback"),  # 6to4 of 127.0.0.1
        ("http://[64:ff9b::a00:1]/hook", "private"),  # NAT64 of 10.0.0.1
        ("http://192.0.2.10/hook", "private"),  # documentation range, never a real receiver
    ],
)
def test_a_webhook_to_an_address_that_is_not_public_is_refused_with_why(
    url: str, reason: str
) -> None:
    with pytest.raises(TargetNotAllowed, match=reason) as refused:
        check_webhook_url(url, NOBODY, no_dns)
    assert "COLDCHAIN_NOTIFY_WEBHOOK_ALLOWED_HOSTS" in str(refused.value)


def test_a_public_address_is_accepted() -> None:
    assert checked_addresses("https://93.184.216.34/hook", NOBODY, no_dns) == [
        ipaddress.ip_address("93.184.216.34")
    ]
    check_webhook_url("https://[2606:4700::1111]/hook", NOBODY, no_dns)


def test_a_name_that_resolves_to_a_private_address_is_refused_naming_the_name() -> None:
    resolve = fake_resolver(resolving_to("93.184.216.34", "10.0.0.7"))
    with pytest.raises(TargetNotAllowed, match=r"10\.0\.0\.7 is private \(hooks\.example\.org"):
        check_webhook_url("https://hooks.example.org/alarms", NOBODY, resolve)


def test_localhost_as_the_system_resolves_it_is_refused() -> None:
    with pytest.raises(TargetNotAllowed, match="loopback"):
        check_webhook_url("http://localhost:9108/metrics", NOBODY, system_resolver)


def test_a_decimal_host_that_the_resolver_reads_as_loopback_is_refused() -> None:
    with pytest.raises(TargetNotAllowed, match="loopback"):
        check_webhook_url("http://2130706433:9108/", NOBODY, system_resolver)


def test_a_name_that_does_not_resolve_yet_is_accepted_when_added() -> None:
    check_webhook_url("https://not-yet.example.org/h", NOBODY, fake_resolver({}))
    with pytest.raises(OSError):  # and at send time it is not a target
        checked_addresses("https://not-yet.example.org/h", NOBODY, fake_resolver({}))


def test_an_administrator_can_allow_a_host_an_address_or_a_network() -> None:
    allowed = AllowedTargets.parse(["127.0.0.1", " 10.20.0.0/16", "Hooks.Internal."])
    check_webhook_url("http://127.0.0.1:8080/h", allowed, no_dns)
    check_webhook_url("http://10.20.3.4/h", allowed, no_dns)
    resolve = fake_resolver({"hooks.internal": [ipaddress.ip_address("192.168.5.5")]})
    check_webhook_url("http://hooks.internal/h", allowed, resolve)
    with pytest.raises(TargetNotAllowed, match="private"):
        check_webhook_url("http://10.21.0.1/h", allowed, no_dns)
    with pytest.raises(TargetNotAllowed, match="link-local"):
        check_webhook_url("http://169.254.169.254/", allowed, no_dns)


@pytest.mark.parametrize("entry", ["http://x.example", "*.example.org", "10.0.0.0/33", "a b"])
def test_a_bad_allow_list_entry_is_named(entry: str) -> None:
    with pytest.raises(ValueError, match="neither a host name"):
        AllowedTargets.parse(["ok.example", entry])
