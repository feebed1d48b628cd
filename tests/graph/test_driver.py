"""The driver the hub connects with: how it is made and what it is built with."""

from __future__ import annotations

from neo4j._codec.packstream import v1 as packstream


def test_the_driver_decodes_and_encodes_with_neo4js_rust_codec() -> None:
    # neo4j-rust-ext is pinned beside the driver; without it the driver falls back to pure
    # Python silently, and a network read spends a tenth more of its CPU decoding rows.
    assert getattr(packstream, "_rust_unpack", None) is not None
    assert getattr(packstream, "_rust_pack", None) is not None
