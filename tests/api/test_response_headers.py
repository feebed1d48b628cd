"""Hardening headers on every response, no server banner, and production that will not start
with development's password, issuer, keys or unencrypted remote Bolt."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from neo4j import Driver
from pydantic import SecretStr

from api.app import DevelopmentDefaultsInProduction, create_app
from api.identity import DEV_PUBLIC_KEY_FILE, ensure_dev_keypair
from config.settings import PROJECT_ROOT, Settings
from devtools import demo_city, local_neo4j
from tests.api.client import token_for
from tests.api.production_hub import production

API_POLICY = "default-src 'none'; frame-ancestors 'none'"
ME = {"query": "{ me { professionalId } }"}


@pytest.fixture
def client(demo_city_db: Driver, test_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(test_settings, driver=demo_city_db), client=("127.0.0.1", 40000)) as test_client:
        yield test_client


def bearer(settings: Settings, professional_id: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token_for(settings, professional_id)}"}


def responses(client: TestClient, settings: Settings) -> dict[str, httpx.Response]:
    return {
        "graphql answer": client.post("/graphql", json=ME, headers=bearer(settings, demo_city.MASH_SOCIAL_WORKER_ID)),
        "graphql refusal": client.post("/graphql", json=ME),
        "audit export": client.get("/audit/export", headers=bearer(settings, demo_city.AUDITOR_ID)),
        "audit public key": client.get("/audit/public-key"),
        "health": client.get("/health"),
        "metrics": client.get("/metrics"),
        "unknown path": client.get("/no-such-page"),
        "wrong method": client.put("/health"),
    }


class TestEveryResponseIsHardened:
    def test_api_responses_forbid_running_framing_sniffing_referring_and_storing(
        self, client: TestClient, test_settings: Settings
    ) -> None:
        answered = responses(client, test_settings)

        assert answered["graphql answer"].status_code == 200
        assert answered["audit export"].status_code == 200
        headers = {
            name: {key: response.headers.get(key) for key in (
                "content-security-policy", "x-content-type-options", "referrer-policy", "cache-control",
            )}
            for name, response in answered.items()
        }
        expected = {"content-security-policy": API_POLICY, "x-content-type-options": "nosniff",
                    "referrer-policy": "no-referrer", "cache-control": "no-store"}
        assert headers == dict.fromkeys(answered, expected)

    def test_graphiql_loads_only_the_hubs_own_assets_under_the_pages_policy(
        self, client: TestClient, test_settings: Settings
    ) -> None:
        page = client.get("/graphql", headers={"accept": "text/html"})

        policy = dict(
            directive.strip().split(" ", 1) for directive in page.headers["content-security-policy"].split(";")
        )
        loaded = re.findall(r'<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"', page.text)
        assert page.status_code == 200 and "/static/vendor/graphiql/graphiql.min.js" in loaded
        assert all(path.startswith("/") and not path.startswith("//") for path in loaded)
        scripts = policy["script-src"].split()
        assert "'self'" in scripts and all(s == "'self'" or s.startswith("'nonce-") for s in scripts)
        assert policy["default-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
        assert policy["connect-src"] == "'self'"
        assert page.headers["x-content-type-options"] == "nosniff"


class TestServedByHubServe:
    def test_responses_carry_no_server_banner(self, graph_db: Driver, test_settings: Settings) -> None:
        port = local_neo4j.free_port()
        environment = {
            "HUB_NEO4J_URI": test_settings.neo4j_uri,
            "HUB_NEO4J_PASSWORD": test_settings.neo4j_password.get_secret_value(),
            "HUB_DEV_KEYS_DIR": str(test_settings.dev_keys_dir),
            "HUB_API_PORT": str(port),
            "HUB_ENVIRONMENT": "development",
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "hub.cli", "serve"], cwd=PROJECT_ROOT, env=environment,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            response = _first_answer(f"http://127.0.0.1:{port}/health")
        finally:
            process.terminate()
            process.wait(timeout=30)

        assert response.status_code == 200
        assert "server" not in response.headers
        assert response.headers["content-security-policy"] == API_POLICY


def _first_answer(url: str, timeout_seconds: float = 60.0) -> httpx.Response:
    deadline = time.monotonic() + timeout_seconds
    while True:
        try:
            return httpx.get(url, timeout=5.0)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


class TestProductionRefusesDevelopmentDefaults:
    @pytest.mark.parametrize(
        ("case", "setting"),
        [
            ("development password", "HUB_NEO4J_PASSWORD"),
            ("development issuer", "HUB_JWT_ISSUER"),
            ("development public key", "HUB_JWT_PUBLIC_KEY_FILES"),
            ("copy of the development public key", "HUB_JWT_PUBLIC_KEY_FILES"),
            ("development audit key", "HUB_AUDIT_SIGNING_KEY_FILE"),
            ("plain bolt to another host", "HUB_NEO4J_URI"),
        ],
    )
    def test_with_an_error_naming_the_setting(
        self, test_settings: Settings, tmp_path: Path, case: str, setting: str
    ) -> None:
        settings = production(test_settings, tmp_path).settings.model_copy(
            update=self._change(case, test_settings, tmp_path)
        )

        with pytest.raises(DevelopmentDefaultsInProduction, match=setting) as refused:
            create_app(settings)

        assert str(refused.value).startswith("production refuses to start with development settings")

    @pytest.mark.parametrize(
        "uri", ["bolt://db.internal:7687", "neo4j://10.2.3.4:7687"], ids=["bolt", "neo4j"]
    )
    def test_plain_bolt_to_another_host_starts_only_when_said_to_be_trusted(
        self, graph_db: Driver, test_settings: Settings, tmp_path: Path, uri: str
    ) -> None:
        settings = production(test_settings, tmp_path).settings.model_copy(update={"neo4j_uri": uri})

        with pytest.raises(DevelopmentDefaultsInProduction, match="HUB_NEO4J_ALLOW_UNENCRYPTED_REMOTE"):
            create_app(settings, driver=graph_db)
        create_app(settings.model_copy(update={"neo4j_allow_unencrypted_remote": True}), driver=graph_db)
        create_app(settings.model_copy(update={"neo4j_uri": uri.replace("://", "+s://")}), driver=graph_db)

    def test_all_the_problems_are_named_at_once(self, test_settings: Settings, tmp_path: Path) -> None:
        settings = production(test_settings, tmp_path).settings.model_copy(update={
            "neo4j_password": Settings.model_fields["neo4j_password"].default,
            "jwt_issuer": Settings.model_fields["jwt_issuer"].default,
            "neo4j_uri": "bolt://db.internal:7687",
        })

        with pytest.raises(DevelopmentDefaultsInProduction) as refused:
            create_app(settings)

        message = str(refused.value)
        assert all(name in message for name in ("HUB_NEO4J_PASSWORD", "HUB_JWT_ISSUER", "HUB_NEO4J_URI"))

    @staticmethod
    def _change(case: str, settings: Settings, tmp_path: Path) -> dict[str, Any]:
        _, public_pem = ensure_dev_keypair(settings.dev_keys_dir)
        if case == "development password":
            return {"neo4j_password": SecretStr("hub-dev-password")}
        if case == "development issuer":
            return {"jwt_issuer": "https://hub.local/dev"}
        if case == "development public key":
            return {"jwt_public_key_files": [settings.dev_keys_dir / DEV_PUBLIC_KEY_FILE]}
        if case == "copy of the development public key":
            (tmp_path / "issuer-copy.pem").write_bytes(public_pem)
            return {"jwt_public_key_files": [tmp_path / "issuer-copy.pem"]}
        if case == "development audit key":
            # A keys directory of this test's own, so the session's development keys stay as they are.
            (tmp_path / "dev").mkdir()
            (tmp_path / "dev" / "audit.pem").write_bytes((tmp_path / "audit.pem").read_bytes())
            return {"dev_keys_dir": tmp_path / "dev", "audit_signing_key_file": tmp_path / "dev" / "audit.pem"}
        return {"neo4j_uri": "bolt://db.internal:7687"}
