"""Which IP addresses a workspace-supplied URL may reach: the address policy of the outbound guard.

Everything that is not a public internet address is refused (loopback, private, link-local,
carrier-grade NAT, unspecified, multicast, reserved, the cloud metadata endpoints) unless a
network listed in `OPENCONVAI_OUTBOUND_ALLOWED_NETWORKS` holds it. IPv6 forms that embed an
IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged
by the IPv4 address they carry.
"""

from collections.abc import Iterable, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

ALLOWED_NETWORKS_SETTING = "OPENCONVAI_OUTBOUND_ALLOWED_NETWORKS"
# How an operator allows a refused address: the end of every refusal message.
ALLOW_HINT = f"list its network in {ALLOWED_NETWORKS_SETTING} to allow it"

Address = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network


def _networks(*cidrs: str) -> tuple[Network, ...]:
    return tuple(ip_network(cidr) for cidr in cidrs)


# Instance metadata services: AWS/GCP/Azure/OpenStack, AWS over IPv6, Alibaba Cloud.
_METADATA = frozenset(
    ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)

# Checked in order, so an address gets the most telling name.
_KINDS: tuple[tuple[str, tuple[Network, ...]], ...] = (
    ("a loopback address", _networks("127.0.0.0/8", "::1/128")),
    ("an unspecified address", _networks("0.0.0.0/8", "::/128")),
    ("a private address", _networks("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")),
    ("a link-local address", _networks("169.254.0.0/16", "fe80::/10")),
    ("a carrier-grade NAT (shared) address", _networks("100.64.0.0/10")),
    ("a multicast address", _networks("224.0.0.0/4", "ff00::/8")),
    ("a reserved address", _networks("240.0.0.0/4")),
)

_NAT64 = ip_network("64:ff9b::/96")


def parse_networks(values: Iterable[str | Network]) -> tuple[Network, ...]:
    """CIDRs (`10.1.0.0/16`, `::1/128`, or a bare address for just that one) as networks.

    Raises ValueError naming the bad entry (host bits set, not an address at all).
    """
    networks: list[Network] = []
    for value in values:
        if isinstance(value, IPv4Network | IPv6Network):
            networks.append(value)
            continue
        text = value.strip()
        if not text:
            continue
        try:
            networks.append(ip_network(text))
        except ValueError as error:
            raise ValueError(
                f"{text!r} in {ALLOWED_NETWORKS_SETTING} is not a network: {error}"
            ) from None
    return tuple(networks)


def parse_address(value: str | Address) -> Address | None:
    """The IP address `value` is written as (brackets and an IPv6 zone allowed), else None."""
    if isinstance(value, IPv4Address | IPv6Address):
        return value
    text = value.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        return ip_address(text)
    except ValueError:
        return None


def _embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def _kind(address: Address) -> str | None:
    """What makes `address` off-limits by default, or None for a public internet address."""
    if address in _METADATA:
        return "a cloud metadata address"
    for kind, networks in _KINDS:
        if any(address in network for network in networks):
            return kind
    if address.is_multicast:
        return "a multicast address"
    if address.is_reserved:
        return "a reserved address"
    if not address.is_global:
        return "a special-purpose (not public) address"
    return None


def _listed(address: Address, allowed: Sequence[Network]) -> bool:
    return any(address.version == network.version and address in network for network in allowed)


def address_refusal(address: Address, allowed: Sequence[Network]) -> str | None:
    """Why `address` may not be reached (e.g. "127.0.0.1 is a loopback address"), or None."""
    if _listed(address, allowed):
        return None
    if isinstance(address, IPv6Address):
        if address.scope_id is not None:
            bare = IPv6Address(str(address).split("%", 1)[0])
            return address_refusal(bare, allowed)
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            if _listed(embedded, allowed):
                return None
            kind = _kind(embedded)
            return None if kind is None else f"{address} is {kind} (it carries {embedded})"
    kind = _kind(address)
    return None if kind is None else f"{address} is {kind}"
