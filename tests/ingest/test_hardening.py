"""Hardening of what publishers send (issue 15): nesting bombs in the sanitizer, embed paths,
IPv6 forms that tunnel to private IPv4, host names no resolver should see, and entity
declarations hidden in EBCDIC and wide encodings."""

from __future__ import annotations

import asyncio
import time

import pytest

from newsstand.errors import BlockedAddressError, FeedParseError
from newsstand.ingest.feeds.xmlguard import check_xml
from newsstand.markup.sanitize import MAX_DEPTH, is_allowed_embed, limit_depth, sanitize_html
from newsstand.net.netguard import GuardedBackend, check_host_name, embedded_ipv4, is_address_allowed


@pytest.mark.parametrize("depth", [20_000, 100_000])
def test_deeply_nested_markup_is_sanitized_in_bounded_time(depth: int) -> None:
    bomb = "<div>" * depth + "payload" + "</div>" * depth  # 100,000 deep: 1.1 MB, 49 s before
    start = time.perf_counter()
    cleaned = sanitize_html(bomb)
    elapsed = time.perf_counter() - start
    assert "payload" in cleaned
    assert cleaned.count("<div>") <= MAX_DEPTH
    assert elapsed < 1.5, f"{elapsed:.2f} s for {depth} nested divs"


@pytest.mark.parametrize(
    "bomb",
    [
        "<b>" * 100_000,
        "<a href=x>" * 50_000,
        "<table><tr><td>" * 30_000,
        "<ul><li>" * 50_000,
        "</div>" * 100_000 + "<p>x</p>",
    ],
)
def test_other_nesting_shapes_stay_cheap(bomb: str) -> None:
    start = time.perf_counter()
    sanitize_html(bomb)
    assert time.perf_counter() - start < 1.5


def test_depth_limit_keeps_ordinary_markup_as_it_is() -> None:
    html = "<div><p>One <b>two</b><br>three<img src=x.jpg></p></div>" * 300
    assert limit_depth(html) == html
    deep = "<div>" * 5 + "<br/>x" + "</div>" * 5
    assert limit_depth(deep, 3) == "<div>" * 3 + "x" + "</div>" * 3


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/embed/../watch?v=1",
        "https://www.youtube.com/embed/%2e%2e/redirect",
        "https://www.youtube.com/embed/..%2fredirect",
        "https://player.vimeo.com/video/./../x",
        "https://www.youtube.com/embed\\..\\x",
        "https://www.youtube.com:8443/embed/abc",
        "https://user@www.youtube.com/embed/abc",
        "http://www.youtube.com/embed/abc",
    ],
)
def test_embed_paths_that_climb_out_of_the_player_are_refused(url: str) -> None:
    assert not is_allowed_embed(url)
    assert "iframe" not in sanitize_html(f'<iframe src="{url}"></iframe>')


def test_plain_player_embeds_still_pass() -> None:
    assert is_allowed_embed("https://www.youtube-nocookie.com/embed/abc123")
    assert is_allowed_embed("https://player.vimeo.com/video/76979871")


@pytest.mark.parametrize(
    "address",
    [
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254 (cloud metadata)
        "2002:0a00:0001::1",  # 6to4 of 10.0.0.1
        "2002:c0a8:0101::",  # 6to4 of 192.168.1.1
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1 (bits inverted)
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b:1::a00:1",  # local-use NAT64 of 10.0.0.1
        "::127.0.0.1",  # IPv4-compatible
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:7f00:1",
    ],
)
def test_ipv6_forms_that_reach_private_ipv4_are_refused(address: str) -> None:
    assert not is_address_allowed(address)


def test_embedded_addresses_are_read_from_each_form() -> None:
    import ipaddress

    assert str(embedded_ipv4(ipaddress.IPv6Address("2002:7f00:1::1"))) == "127.0.0.1"
    assert str(embedded_ipv4(ipaddress.IPv6Address("64:ff9b::a9fe:a9fe"))) == "169.254.169.254"
    assert embedded_ipv4(ipaddress.IPv6Address("2606:4700::1111")) is None
    assert is_address_allowed("2002:0808:0808::1")  # 6to4 of a public address stays allowed
    assert is_address_allowed("2606:4700::1111")


@pytest.mark.parametrize(
    "host",
    ["example.com%2e", "evil.example%2f..", "exa mple.com", "example.com\x00.evil", "a%00b", "例え.jp"],
)
def test_malformed_host_names_never_reach_the_resolver(host: str) -> None:
    with pytest.raises(BlockedAddressError):
        check_host_name(host)
    with pytest.raises(BlockedAddressError):
        asyncio.run(GuardedBackend().lookup(host, 80))


@pytest.mark.parametrize("host", ["example.com", "news.example.org.", "_dmarc.example.com", "1.2.3.4", "::1"])
def test_plain_host_names_pass_the_check(host: str) -> None:
    check_host_name(host)


XXE = (
    '<?xml version="1.0" encoding="{enc}"?>'
    '<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss><channel>&x;</channel></rss>'
)


@pytest.mark.parametrize(
    ("codec", "declared", "prefix"),
    [
        ("cp037", "IBM037", ""),
        ("cp500", "IBM500", ""),
        ("cp037", "EBCDIC-CP-US", "  "),
        ("utf-16-le", "UTF-16", "  "),  # leading white space hides the usual start
        ("utf-16-be", "UTF-16", "\n"),
        ("utf-32-le", "UTF-32", " "),
        ("utf-32-be", "UTF-32", ""),
    ],
)
def test_entity_declarations_are_found_in_every_encoding(codec: str, declared: str, prefix: str) -> None:
    document = (prefix + XXE.format(enc=declared)).encode(codec)
    with pytest.raises(FeedParseError):
        check_xml(document)


def test_documents_without_entities_pass_in_every_encoding() -> None:
    plain = '<?xml version="1.0"?><rss><channel><title>T</title></channel></rss>'
    for codec in ("utf-8", "utf-16", "utf-32", "cp037"):
        check_xml(plain.encode(codec))
