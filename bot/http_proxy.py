"""Which proxy an outgoing request should use, decided per target URL as curl and requests do.

Corporate networks set `HTTPS_PROXY`/`HTTP_PROXY` and list internal hosts in `NO_PROXY`.
slack_sdk reads the proxy variables but not `NO_PROXY`, so on such a laptop every call, even to
a loopback Slack double or an internal `SLACK_API_URL`, would go to the proxy. Every client the
bot builds (Slack's Web API, file uploads, `response_url`, Socket Mode, the Bot Connector)
asks `proxy_for(url)` instead and passes the answer on, `None` meaning "connect directly".

Semantics are the standard library's (`urllib.request.getproxies` / `proxy_bypass`): lower-case
variables win over upper-case ones; `NO_PROXY` is a comma-separated list of host names (a
name also matches its subdomains, a leading dot is optional), optional `:port`, or `*` for
every host. Like requests, IP networks in CIDR form (`10.0.0.0/8`) match addresses too.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import urllib.request
from urllib.parse import urlsplit

# A websocket goes through the proxy of the scheme it upgrades from.
_SCHEME = {"wss": "https", "ws": "http"}


# What the answer depends on; the standard library scans the whole environment on every call,
# too slow for a decision taken per request.
_VARIABLES = ("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY",
              "REQUEST_METHOD")  # fmt: skip


def proxy_for(url: str) -> str | None:
    """The proxy URL to use for `url`, or None to connect directly."""
    parts = urlsplit(url)
    environment = tuple(os.environ.get(name) for name in _VARIABLES)
    return _decide(parts.scheme, parts.hostname, parts.port, environment)


@functools.lru_cache(maxsize=256)
def _decide(
    scheme: str, host: str | None, port: int | None, _environment: tuple[str | None, ...]
) -> str | None:
    if not host:
        return None
    proxies = urllib.request.getproxies()
    proxy = proxies.get(_SCHEME.get(scheme, scheme)) or None
    if proxy is None or _bypassed(host, port):
        return None
    return proxy


def _bypassed(host: str, port: int | None) -> bool:
    target = f"{host}:{port}" if port else host
    if urllib.request.proxy_bypass(target):
        return True
    return _in_listed_network(host)


def _in_listed_network(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    listed = os.environ.get("no_proxy") or os.environ.get("NO_PROXY") or ""
    for entry in (e.strip() for e in listed.split(",")):
        if "/" not in entry:
            continue
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False
