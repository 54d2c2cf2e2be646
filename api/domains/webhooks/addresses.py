"""Where a webhook may be delivered: not to this machine, its neighbours or the cloud's metadata
service (server-side request forgery), whatever spelling of the address an endpoint uses.

Loopback, link-local, unspecified, multicast and reserved addresses, and private ones (RFC 1918,
unique-local, shared CGNAT space) are refused unless they lie in a network the installation lists
(`GRIDGOV_WEBHOOK_ALLOWED_NETWORKS`: an intranet's hotline system); the cloud metadata addresses
are refused even then. An IPv4 address written other than in dotted decimal (`2130706433`,
`0x7f.1`, `127.1`) is refused outright. The check runs at registration and again at every
delivery on each address the name resolves to then (DNS rebinding), and the delivery connects to
the address that was checked."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable, Sequence
from typing import Final

from api.errors import ValidationFailed
from api.i18n import _

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# cloud metadata services: AWS/GCP/Azure/OpenStack, AWS over IPv6, Alibaba and Tencent Cloud
METADATA: Final[frozenset[Address]] = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",
        "169.254.170.2",
        "fd00:ec2::254",
        "100.100.100.200",
        "169.254.0.23",
    )
)


class RefusedAddress(ValidationFailed):
    def __init__(self, message: str):
        super().__init__(message, field="url")


class Unresolvable(RefusedAddress):
    """The name does not resolve (now, from here): refused at delivery; at registration the
    intranet's DNS may simply not be visible yet, and delivery checks again anyway."""


def networks(values: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(value, strict=False) for value in values)


def check_address(address: Address, allowed: Sequence[Network]) -> None:
    """Raise RefusedAddress unless a webhook may be delivered to `address`."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if address in METADATA:
        raise RefusedAddress(_("{address} is a cloud metadata address", address=address))
    if address.is_global and not address.is_multicast:
        return
    if any(address in network for network in allowed):
        return
    raise RefusedAddress(
        _(
            "{address} is not a public address (loopback, link-local, private or reserved); private networks must be listed in GRIDGOV_WEBHOOK_ALLOWED_NETWORKS",
            address=address,
        )
    )


def literal_address(host: str) -> Address | None:
    """The address a host names literally, None for a name. Numeric spellings other than dotted
    decimal (which the system resolver accepts) are refused: no one writes them by accident."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    try:
        socket.inet_aton(host)
    except OSError:
        return None
    raise RefusedAddress(
        _("{host} is an IPv4 address in an unusual notation: write it dotted", host=host)
    )


async def resolve(host: str, port: int, allowed: Sequence[Network]) -> Address:
    """Resolve `host` now and check every address it has; the first is the one to connect to."""
    literal = literal_address(host)
    if literal is not None:
        check_address(literal, allowed)
        return literal
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )
    except (OSError, UnicodeError) as error:
        raise Unresolvable(_("{host} does not resolve", host=host)) from error
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise Unresolvable(_("{host} does not resolve", host=host))
    for address in addresses:
        check_address(address, allowed)
    return addresses[0]
