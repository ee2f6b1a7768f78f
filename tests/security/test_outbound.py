"""The outbound-URL guard against real servers on loopback addresses.

Addresses off this machine (10.0.0.1, 169.254.169.254, ...) are only ever refused: the guard
refuses them before connecting, so no test sends a packet anywhere but loopback.
"""

import re
import socket
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from pydantic import ValidationError

from openconvai.security.outbound import (
    OutboundGuard,
    OutboundRequestFailed,
    OutboundResponseTooLarge,
    OutboundTooManyRedirects,
    OutboundUnresolvable,
    OutboundUrlRefused,
)
from openconvai.security.outbound_httpx2 import httpx2_client
from openconvai.settings import Settings
from tests.support.tiny_http import TinyServer, tiny_server, tls_contexts

LOOPBACK = ("127.0.0.0/8", "::1/128")
HINT = "list its network in OPENCONVAI_OUTBOUND_ALLOWED_NETWORKS to allow it"


class FakeDns:
    """Names to addresses, answering in turn when a name has several answers queued."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        self.asked.append(host)
        queue = self.answers.get(host)
        if not queue:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return queue.pop(0) if len(queue) > 1 else queue[0]


@pytest.fixture
async def server() -> AsyncIterator[TinyServer]:
    async with tiny_server("127.0.0.1") as running:
        yield running


@pytest.fixture
async def other_server() -> AsyncIterator[TinyServer]:
    async with tiny_server("127.0.0.2") as running:
        yield running


def guard(*allowed: str, **options: Any) -> OutboundGuard:
    return OutboundGuard(allowed, **options)


REFUSED_BY_DEFAULT = [
    ("http://127.0.0.1:9/hook", "127.0.0.1 is a loopback address", "127.0.0.0/8"),
    ("http://127.8.9.10/", "127.8.9.10 is a loopback address", "127.0.0.0/8"),
    ("http://[::1]:9/", "::1 is a loopback address", "::1/128"),
    ("http://10.0.0.1/", "10.0.0.1 is a private address", "10.0.0.0/8"),
    ("http://172.16.5.4/", "172.16.5.4 is a private address", "172.16.0.0/12"),
    ("http://192.168.1.1/", "192.168.1.1 is a private address", "192.168.0.0/16"),
    ("http://[fd12::1]/", "fd12::1 is a private address", "fc00::/7"),
    ("http://169.254.169.254/latest/meta-data/", "a cloud metadata address", "169.254.0.0/16"),
    ("http://[fd00:ec2::254]/", "fd00:ec2::254 is a cloud metadata address", "fd00::/8"),
    ("http://100.100.100.200/", "a cloud metadata address", "100.64.0.0/10"),
    ("http://169.254.10.1/", "169.254.10.1 is a link-local address", "169.254.0.0/16"),
    ("http://[fe80::1]/", "fe80::1 is a link-local address", "fe80::/10"),
    ("http://100.64.0.1/", "carrier-grade NAT", "100.64.0.0/10"),
    ("http://0.0.0.0/", "0.0.0.0 is an unspecified address", "0.0.0.0/8"),
    ("http://[::]/", ":: is an unspecified address", "::/128"),
    ("http://224.0.0.1/", "224.0.0.1 is a multicast address", "224.0.0.0/4"),
    ("http://[ff02::1]/", "ff02::1 is a multicast address", "ff00::/8"),
    ("http://240.0.0.1/", "240.0.0.1 is a reserved address", "240.0.0.0/4"),
    ("http://192.0.2.1/", "192.0.2.1 is a special-purpose", "192.0.2.0/24"),
    ("http://[::ffff:127.0.0.1]/", "loopback address (it carries 127.0.0.1)", "127.0.0.0/8"),
    ("http://[::ffff:169.254.169.254]/", "cloud metadata address", "169.254.169.254/32"),
    ("http://[::ffff:10.1.2.3]/", "private address (it carries 10.1.2.3)", "10.0.0.0/8"),
    ("http://[64:ff9b::a00:1]/", "private address (it carries 10.0.0.1)", "10.0.0.0/8"),
    ("http://[2002:7f00:1::]/", "loopback address (it carries 127.0.0.1)", "127.0.0.0/8"),
]


@pytest.mark.parametrize(("url", "why", "network"), REFUSED_BY_DEFAULT)
async def test_non_public_addresses_are_refused_unless_listed(
    url: str, why: str, network: str
) -> None:
    async with guard() as strict:
        with pytest.raises(OutboundUrlRefused) as without_dns:
            strict.check_url_without_dns(url)
        with pytest.raises(OutboundUrlRefused) as checked_url:
            await strict.check_url(url)
        with pytest.raises(OutboundUrlRefused) as requested:
            await strict.request("GET", url)
    for refused in (without_dns, checked_url, requested):
        assert why in str(refused.value)
        assert str(refused.value).endswith(HINT)
    checked = await guard(network).check_url(url)
    assert checked.addresses == (httpx.URL(url).host,)


async def test_the_message_names_the_url_without_its_query() -> None:
    with pytest.raises(OutboundUrlRefused) as refused:
        await guard().check_url("http://127.0.0.1:8080/hook?token=secret#frag")
    assert str(refused.value) == (
        "http://127.0.0.1:8080/hook: 127.0.0.1 is a loopback address; " + HINT
    )
    assert refused.value.url == "http://127.0.0.1:8080/hook"


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://example.com/file", "only http and https URLs may be called, not ftp:"),
        ("file:///etc/passwd", "only http and https URLs may be called, not file:"),
        ("javascript:alert(1)", "only http and https"),
        ("example.com/hook", "has no scheme"),
        ("http:///hook", "has no host"),
        ("http://user:pass@example.com/", "user name or password"),
        ("http://example.com@127.0.0.1/", "user name or password"),
        ("http://[::1/", "is not a valid URL"),
    ],
)
async def test_malformed_urls_are_refused_before_any_lookup(url: str, why: str) -> None:
    dns = FakeDns({})
    outbound = guard(*LOOPBACK, resolver=dns)
    with pytest.raises(OutboundUrlRefused) as refused:
        outbound.check_url_without_dns(url)
    assert why in str(refused.value)
    with pytest.raises(OutboundUrlRefused):
        await outbound.check_url(url)
    assert dns.asked == []


async def test_a_name_is_judged_by_every_address_it_resolves_to() -> None:
    with pytest.raises(OutboundUrlRefused) as refused:
        await guard().check_url("http://localhost:9/")
    assert "loopback address (localhost resolves to it); " + HINT in str(refused.value)
    dns = FakeDns({"mixed.test": [["93.184.216.34", "10.0.0.7"]], "public.test": [["8.8.8.8"]]})
    outbound = guard(resolver=dns)
    with pytest.raises(OutboundUrlRefused, match=re.escape("10.0.0.7 is a private address")):
        await outbound.check_url("https://mixed.test/")
    checked = await outbound.check_url("https://public.test/x?y=1")
    assert (checked.host, checked.port, checked.addresses) == ("public.test", 443, ("8.8.8.8",))
    with pytest.raises(OutboundUnresolvable, match=re.escape("nowhere.test could not be resolved")):
        await outbound.check_url("http://nowhere.test/")


def test_literal_addresses_are_judged_without_dns() -> None:
    outbound = guard("10.20.0.0/16")
    assert outbound.address_refusal("93.184.216.34") is None
    assert outbound.address_refusal("2606:4700::1111") is None
    assert outbound.address_refusal("::ffff:8.8.8.8") is None
    assert outbound.address_refusal("10.20.30.40") is None
    assert outbound.address_refusal("10.21.0.1") == f"10.21.0.1 is a private address; {HINT}"
    assert outbound.address_refusal("[::1]") == f"::1 is a loopback address; {HINT}"
    assert outbound.address_refusal("not-an-ip") == "not-an-ip is not an IP address"
    assert str(outbound.check_url_without_dns("https://10.20.0.9/x")) == "https://10.20.0.9/x"
    with pytest.raises(ValueError, match=re.escape("'127.0.0.1/8' in OPENCONVAI_OUTBOUND_ALLOWED")):
        guard("127.0.0.1/8")


async def test_listed_loopback_networks_are_reached(server: TinyServer) -> None:
    async with guard("127.0.0.0/8") as outbound:
        response = await outbound.request("GET", server.url("/ok"), params={"a": "1"})
    assert (response.status_code, response.text, response.url) == (200, "ok", server.url("/ok?a=1"))
    async with guard(*LOOPBACK) as outbound:
        response = await outbound.request("POST", f"http://localhost:{server.port}/ok", json={})
    assert response.status_code == 200
    assert server.seen[-1].headers["host"] == f"localhost:{server.port}"


async def test_ipv6_loopback_is_reached_when_listed() -> None:
    async with tiny_server("::1") as v6:
        async with guard() as strict:
            with pytest.raises(OutboundUrlRefused, match="::1 is a loopback address"):
                await strict.request("GET", v6.url())
        async with guard("::1/128") as outbound:
            response = await outbound.request("GET", v6.url())
    assert response.body == b"ok"
    assert [seen.local_address for seen in v6.seen] == ["::1"]


async def test_a_running_loopback_server_is_not_reached_by_default(server: TinyServer) -> None:
    async with guard() as strict:
        with pytest.raises(OutboundUrlRefused):
            await strict.request("GET", server.url())
        async with strict.client() as client:
            with pytest.raises(OutboundUrlRefused):
                await client.get(server.url())
    assert server.seen == []


async def test_connections_go_to_the_checked_address_with_the_name_kept(
    other_server: TinyServer,
) -> None:
    # pinned.test exists only in this fake DNS: reaching the server proves the connection
    # went to the address the guard checked, never to a second lookup.
    dns = FakeDns({"pinned.test": [["127.0.0.2"]]})
    url = f"http://pinned.test:{other_server.port}/ok"
    async with guard("127.0.0.2/32", resolver=dns) as outbound:
        assert (await outbound.request("GET", url)).status_code == 200
        async with outbound.client() as client:
            assert (await client.get(url)).text == "ok"
    async with httpx2_client(guard("127.0.0.2/32", resolver=dns)) as client2:
        assert (await client2.get(url)).text == "ok"
    assert [(seen.headers["host"], seen.local_address) for seen in other_server.seen] == [
        (f"pinned.test:{other_server.port}", "127.0.0.2")
    ] * 3
    assert dns.asked == ["pinned.test"] * 3


async def test_a_name_that_rebinds_to_a_refused_address_is_refused(
    other_server: TinyServer,
) -> None:
    dns = FakeDns({"rebind.test": [["127.0.0.2"], ["10.0.0.1"]]})
    url = f"http://rebind.test:{other_server.port}/ok"
    async with guard("127.0.0.2/32", resolver=dns) as outbound, outbound.client() as client:
        assert (await client.get(url)).status_code == 200
        with pytest.raises(OutboundUrlRefused, match=re.escape("10.0.0.1 is a private address")):
            await client.get(url)
    assert len(other_server.seen) == 1


async def test_tls_keeps_the_name_for_sni_and_the_certificate(tmp_path: Path) -> None:
    server_tls, client_tls = tls_contexts(tmp_path, "pinned.test")
    async with tiny_server("127.0.0.1", tls=server_tls) as tls_server:
        dns = FakeDns({"pinned.test": [["127.0.0.1"]], "other.test": [["127.0.0.1"]]})
        async with guard("127.0.0.1/32", resolver=dns, ssl_context=client_tls) as outbound:
            response = await outbound.request("GET", f"https://pinned.test:{tls_server.port}/ok")
            assert response.text == "ok"
            # The same address under a name the certificate does not carry: verification
            # is against the name, so it fails.
            with pytest.raises(OutboundRequestFailed, match=r"(?i)certificate|hostname"):
                await outbound.request("GET", f"https://other.test:{tls_server.port}/ok")
    assert tls_server.server_names[0] == "pinned.test"
    assert tls_server.seen[0].headers["host"] == f"pinned.test:{tls_server.port}"


async def test_every_redirect_hop_is_checked(server: TinyServer, other_server: TinyServer) -> None:
    to_other = server.url(f"/redirect?to={other_server.url()}")
    other_is_loopback = re.escape("127.0.0.2 is a loopback address")
    async with guard("127.0.0.1/32") as outbound:
        for target, why in [
            ("http://10.0.0.1/admin", "10.0.0.1 is a private address"),
            ("http://169.254.169.254/latest/meta-data/", "cloud metadata address"),
            ("http://[::1]:9/", "::1 is a loopback address"),
            ("file:///etc/passwd", "only http and https"),
        ]:
            with pytest.raises(OutboundUrlRefused, match=re.escape(why)) as refused:
                await outbound.request("GET", server.url(f"/redirect?to={target}"))
            assert f"(redirected from {server.url('/redirect')}): " in str(refused.value)
            assert not refused.value.url.startswith(server.url(""))  # the hop, not the first URL
        with pytest.raises(OutboundUrlRefused, match=other_is_loopback):
            await outbound.request("GET", to_other)
        async with outbound.client() as client:
            with pytest.raises(OutboundUrlRefused, match=other_is_loopback):
                await client.get(to_other)
    assert other_server.seen == []
    async with guard("127.0.0.0/8") as outbound:
        response = await outbound.request("GET", to_other)
    assert (response.status_code, response.url) == (200, other_server.url())
    assert len(other_server.seen) == 1


async def test_redirects_are_limited(server: TinyServer) -> None:
    async with guard("127.0.0.0/8") as outbound:
        with pytest.raises(OutboundTooManyRedirects, match="redirected more than 5 times"):
            await outbound.request("GET", server.url("/loop"))
        assert len(server.seen) == 6
        async with outbound.client() as client:
            with pytest.raises(httpx.TooManyRedirects):
                await client.get(server.url("/loop"))
    async with guard("127.0.0.0/8", max_redirects=1) as outbound:
        with pytest.raises(OutboundTooManyRedirects):
            await outbound.request("GET", server.url("/loop"))
    assert len(server.seen) == 6 + 6 + 2


async def test_bodies_are_capped(server: TinyServer) -> None:
    async with guard("127.0.0.0/8", max_body_bytes=1000) as outbound:
        assert len((await outbound.request("GET", server.url("/big?n=1000"))).body) == 1000
        with pytest.raises(OutboundResponseTooLarge, match=r"\(1001 bytes\) is larger than"):
            await outbound.request("GET", server.url("/big?n=1001"))
        started = time.monotonic()
        with pytest.raises(OutboundResponseTooLarge, match="larger than the 100000 bytes"):
            await outbound.request(
                "GET", server.url("/stream?n=1000000000"), max_body_bytes=100_000
            )
        assert time.monotonic() - started < 5  # stopped early, not after a gigabyte
        async with outbound.client(max_body_bytes=100_000) as client:
            with pytest.raises(OutboundResponseTooLarge):
                await client.get(server.url("/big?n=200000"))
            async with client.stream("GET", server.url("/stream?n=1000000000")) as streamed:
                with pytest.raises(OutboundResponseTooLarge):
                    async for _ in streamed.aiter_bytes():
                        pass


async def test_timeouts_are_always_set(server: TinyServer) -> None:
    async with guard("127.0.0.0/8", timeout_secs=0.3) as outbound:
        with pytest.raises(OutboundRequestFailed, match=re.escape("timed out after 0.3 s")):
            await outbound.request("GET", server.url("/slow"))
        with pytest.raises(OutboundRequestFailed, match=re.escape("timed out after 0.2 s")):
            await outbound.request("GET", server.url("/slow"), timeout_secs=0.2)
        # A client asking for no timeout at all still gets the guard's.
        async with outbound.client(timeout=httpx.Timeout(None)) as client:
            with pytest.raises(httpx.ReadTimeout):
                await client.get(server.url("/slow"))
        async with httpx2_client(outbound, timeout=httpx2.Timeout(None)) as client2:
            with pytest.raises(httpx2.ReadTimeout):
                await client2.get(server.url("/slow"))


async def test_an_unreachable_listed_address_fails_cleanly() -> None:
    async with guard("127.0.0.0/8") as outbound:
        with pytest.raises(OutboundRequestFailed, match=re.escape("http://127.0.0.1:9/: failed")):
            await outbound.request("GET", "http://127.0.0.1:9/")


async def test_httpx2_clients_are_guarded(server: TinyServer) -> None:
    async with httpx2_client(guard()) as client2:
        with pytest.raises(OutboundUrlRefused, match=re.escape("127.0.0.1 is a loopback address")):
            await client2.get(server.url())
    async with httpx2_client(guard("127.0.0.1/32")) as client2:
        with pytest.raises(OutboundUrlRefused, match=re.escape("10.0.0.1 is a private address")):
            await client2.get(server.url("/redirect?to=http://10.0.0.1/"))
        assert (await client2.get(server.url())).text == "ok"


def test_the_setting_is_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENCONVAI_OUTBOUND_ALLOWED_NETWORKS", "127.0.0.0/8, ::1/128,10.1.2.3")
    settings = Settings()
    assert [str(network) for network in settings.outbound_allowed_networks] == [
        "127.0.0.0/8",
        "::1/128",
        "10.1.2.3/32",
    ]
    assert OutboundGuard.from_settings(settings).address_refusal("10.1.2.3") is None
    monkeypatch.setenv("OPENCONVAI_OUTBOUND_ALLOWED_NETWORKS", "")
    assert Settings().outbound_allowed_networks == []
    monkeypatch.setenv("OPENCONVAI_OUTBOUND_ALLOWED_NETWORKS", "10.0.0.0/33")
    with pytest.raises(ValidationError):
        Settings()
