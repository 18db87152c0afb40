"""The client's address behind reverse proxies we trust.

Behind a proxy every request comes from the proxy's address, so sign-in throttling by address
would treat everyone as one guesser. A proxy says whom it forwarded for in ``X-Forwarded-For``, but
anyone can send that header: it is believed only from the proxies an operator names in
``SAMVERKAN_TRUSTED_PROXIES`` (addresses or networks, e.g. ``10.0.0.5, 10.1.0.0/16``; default
none). Each proxy appends the address it saw, so the client is found by reading the header from
the right, past our own proxies, to the first address that is not one of them. Werkzeug's
``ProxyFix`` would trust a fixed number of hops from whoever connects; naming the proxies keeps a
client that reaches the app directly from choosing its own address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks(setting: str | Iterable[str]) -> tuple[Network, ...]:
    """The trusted proxies of a setting (comma- or space-separated); ValueError names a bad one."""
    items = setting.replace(",", " ").split() if isinstance(setting, str) else list(setting)
    found = []
    for item in items:
        try:
            found.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            raise ValueError(f"not an IP address or network: {item!r}") from None
    return tuple(found)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_address(peer: str, forwarded_for: str, trusted: tuple[Network, ...]) -> str:
    """Who the request is from: ``peer`` unless it is a trusted proxy, in which case the first
    address of ``X-Forwarded-For``, from the right, that is not one of ours."""
    client = peer
    hops = [hop for hop in forwarded_for.split(",") if hop.strip()]
    while hops:
        address = _address(client)
        if address is None or not any(address in network for network in trusted):
            break
        seen = _address(hops.pop())
        if seen is None:  # a proxy of ours would not write this: keep the last address we know
            break
        client = str(seen)
    return client


class TrustedProxies:
    """WSGI middleware: ``REMOTE_ADDR`` becomes the client's address when a trusted proxy
    forwarded the request (the proxy's own address is kept in ``samverkan.proxy_addr``)."""

    def __init__(self, app: WSGIApplication, trusted: tuple[Network, ...]) -> None:
        self.app = app
        self.trusted = trusted

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        peer = environ.get("REMOTE_ADDR") or ""
        forwarded_for = environ.get("HTTP_X_FORWARDED_FOR") or ""
        if forwarded_for:
            client = client_address(peer, forwarded_for, self.trusted)
            if client != peer:
                environ["samverkan.proxy_addr"] = peer
                environ["REMOTE_ADDR"] = client
        return self.app(environ, start_response)
