"""Which webhook targets may be reached: a guard against server-side request forgery.

A webhook URL is typed by staff, and the notifier POSTs alarm data to it from inside the
deployment. Without a guard, ``http://169.254.169.254/…`` (a cloud metadata service),
``http://127.0.0.1:9108/…`` (our own metrics) or any address on the private network
could be reached that way.

Invariant: a webhook is sent only to public unicast addresses, or to hosts, addresses or
networks an administrator listed in the allow list. The host name is resolved, every
address it resolves to is checked, and the connection goes to an address that was checked
(``checked_addresses``): a name that resolves to a public address when the contact is added
and to a private one later (DNS rebinding) is refused at send time, without connecting.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import httpx

from ingest.notify.errors import TargetNotAllowed

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# (host, port) -> the addresses a connection could go to; raises OSError when unknown.
Resolver = Callable[[str, int], list[IPAddress]]

_CGNAT = ipaddress.ip_network("100.64.0.0/10")  # RFC 6598, not "private" to Python 3.11
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052: the low 32 bits are an IPv4
_HOST = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(\.(?!-)[a-z0-9_-]{1,63})*$")
ALLOW_SETTING = "COLDCHAIN_NOTIFY_WEBHOOK_ALLOWED_HOSTS"


@dataclass(frozen=True, slots=True)
class AllowedTargets:
    """Host names and networks an administrator lets webhooks reach although not public."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowedTargets:
        """From host names, IP addresses and CIDRs; ``ValueError`` names a bad entry."""
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for raw in entries:
            entry = raw.strip().lower().rstrip(".")
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
                continue
            except ValueError:
                pass
            if not _HOST.match(entry):
                raise ValueError(f"{raw.strip()!r} is neither a host name, an IP nor a CIDR")
            hosts.add(entry)
        return cls(frozenset(hosts), tuple(networks))

    def allows_host(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.hosts

    def allows_address(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks)


def why_refused(address: IPAddress) -> str | None:
    """Why a webhook may not go to ``address`` (None: it is a public unicast address)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return why_refused(embedded)
    checks: tuple[tuple[bool, str], ...] = (
        (address.is_unspecified, "unspecified"),
        (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local (where cloud metadata services answer)"),
        (address.is_multicast, "multicast"),
        (address in _CGNAT, "shared address space (carrier-grade NAT, 100.64.0.0/10)"),
        (isinstance(address, ipaddress.IPv6Address) and address.is_site_local, "site-local"),
        (address.is_private, "private"),
        (address.is_reserved, "reserved"),
        (not address.is_global, "not a public address"),
    )
    return next((reason for refused, reason in checks if refused), None)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, NAT64), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def system_resolver(host: str, port: int) -> list[IPAddress]:
    """The addresses of ``host`` as the system resolves them (``OSError`` if it cannot)."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def url_host_port(url: str) -> tuple[str, int]:
    """The host (IDNA-encoded, no brackets, lower case) and port of an http(s) URL, parsed
    as the webhook channel's HTTP client parses it (so both mean the same host)."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise TargetNotAllowed(f"webhook address {url!r} is not a URL: {exc}") from exc
    if parsed.scheme not in ("http", "https") or not parsed.raw_host:
        raise TargetNotAllowed(f"webhook address {url!r} is not an http(s) URL")
    default = 443 if parsed.scheme == "https" else 80
    return parsed.raw_host.decode("ascii"), parsed.port or default


def literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def checked_addresses(url: str, allowed: AllowedTargets, resolve: Resolver) -> list[IPAddress]:
    """The addresses a webhook to ``url`` may connect to: every one it resolves to, checked.

    ``TargetNotAllowed`` if any of them is refused (one bad answer is enough: which one a
    connection would use is not ours to predict); ``OSError`` if the name does not resolve.
    """
    host, port = url_host_port(url)
    literal = literal_address(host)
    addresses = [literal] if literal is not None else resolve(host, port)
    if not addresses:
        raise OSError(f"{host} resolves to no address")
    if literal is None and allowed.allows_host(host):
        return addresses
    for address in addresses:
        reason = why_refused(address)
        if reason is not None and not allowed.allows_address(address):
            via = "" if literal is not None else f" ({host} resolves to it)"
            raise TargetNotAllowed(
                f"webhook address {url!r} is refused: {address} is {reason}{via}; an"
                f" administrator can allow it in {ALLOW_SETTING}"
            )
    return addresses


def check_webhook_url(url: str, allowed: AllowedTargets, resolve: Resolver) -> None:
    """When a contact is added: refuse a target that is not allowed now. A name that does
    not resolve yet is accepted: it is checked again (resolved) before every send."""
    try:
        checked_addresses(url, allowed, resolve)
    except OSError:
        return
