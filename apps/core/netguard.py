"""Where the product connects on someone else's say-so (a repository to scan, a webhook
endpoint): the address a host name resolves to must be on the public internet. A loopback,
private, link-local, multicast or reserved address (an IPv4-mapped IPv6 one included) is
refused, and the caller connects to the address checked here, not to a second lookup, so
DNS cannot point it elsewhere afterwards."""

from __future__ import annotations

import ipaddress
import socket


class BlockedAddress(Exception):  # noqa: N818 - a refusal the caller turns into its own message
    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message, self.code = message, code


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved)


def public_address(host: str, port: int) -> str:
    """The address to connect to for `host`; BlockedAddress when it cannot be found or any
    address it resolves to is not public (one private answer is enough to refuse)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise BlockedAddress(
            f"The host “{host}” could not be found. Check the address.", code="host_not_found"
        ) from None
    addresses = sorted({str(info[4][0]) for info in infos})
    private = [a for a in addresses if not is_public(a)]
    if private or not addresses:
        raise BlockedAddress(
            f"“{host}” points to a private or internal network address ({', '.join(private)}), "
            "which Launchpad does not connect to.",
            code="private_address",
        )
    return addresses[0]
