"""The image, the compose file and the chart: each checked by the tool that reads it, and held to
the hub they deploy (the probes' paths are its routes, every HUB_* variable one of its settings,
every secret production demands passed as a file).

There is no Docker engine here, so the Dockerfile is read as text; docker-compose, Helm and
kube-score run for real (Helm and kube-score built once by the Makefile through Go).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from neo4j import Driver
from pydantic import SecretStr

from api.app import create_app, refuse_development_defaults
from config.settings import PROJECT_ROOT, Settings
from services.key_material import audit_signing_key, keyring

CHART = PROJECT_ROOT / "deploy" / "helm" / "safeguarding-hub"
LINT_VALUES = PROJECT_ROOT / "deploy" / "helm" / "lint-values.yaml"
TOOLS = PROJECT_ROOT / ".cache" / "go" / "bin"
KUBE_VERSION = "1.30.0"
# What production refuses to start without, as the settings name them.
PRODUCTION_SECRETS = {"neo4j_password", "kek_file", "audit_signing_key_file"}


def tool(name: str) -> Path:
    """A linter the Makefile pins and builds through the Go module proxy; built on first use."""
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    version = next(line.split("-v", 1)[1] for line in makefile.splitlines() if line.startswith(f"{name.upper()} :="))
    path = TOOLS / f"{name.replace('_', '-')}-v{version.strip()}"
    if not path.exists():
        if shutil.which("go") is None or shutil.which("make") is None:
            # A check that cannot run is a failure with the way to run it, never a silent skip.
            pytest.fail(f"{path.name} is not built and Go is not here to build it: install Go, then make deploy-lint")
        subprocess.run(["make", "-s", str(path)], cwd=PROJECT_ROOT, check=True, timeout=1800)
    return path


def setting_of(variable: str) -> str:
    """The setting a HUB_* variable names, its _FILE form included; fails for one that is not."""
    assert variable.startswith("HUB_"), variable
    name = variable.removeprefix("HUB_").lower()
    fields = Settings.model_fields
    if name in fields:
        return name
    assert name.endswith("_file"), f"{variable} is not a setting"
    secret = name.removesuffix("_file")
    assert secret in fields and fields[secret].annotation in (SecretStr, SecretStr | None), (
        f"{variable} is not a setting, nor the file form of a secret one"
    )
    return secret


def file_settings(environment: Mapping[str, Any]) -> set[str]:
    """The settings given as files: `HUB_KEK_FILE` (a path setting) or `HUB_<SECRET>_FILE`."""
    return {
        name if name in Settings.model_fields else setting_of(variable)
        for variable in environment if variable.endswith("_FILE")
        for name in [variable.removeprefix("HUB_").lower()]
    }


@pytest.fixture(scope="module")
def stages() -> list[list[str]]:
    """The Dockerfile's instructions (continued lines joined), stage by stage."""
    lines = [line for line in (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
             if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    instructions = [line.strip() for line in joined.splitlines() if line.strip()]
    stages: list[list[str]] = []
    for instruction in instructions:
        if instruction.startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(instruction)
    return stages


class TestTheImage:
    def test_it_is_built_in_stages_and_runs_as_an_unprivileged_user(self, stages: list[list[str]]) -> None:
        final = stages[-1]
        users = [line.split()[1] for line in final if line.startswith("USER ")]

        assert len(stages) >= 2
        assert users and users[-1].split(":")[0] not in {"0", "root"}
        # The code is installed in the build stage and copied; nothing of the source tree is.
        assert not any(line.startswith("COPY . ") for line in final)

    def test_the_server_is_pid_1_in_exec_form_and_its_health_is_readiness(self, stages: list[list[str]]) -> None:
        final = {line.split()[0]: line for line in stages[-1]}

        entrypoint = json.loads(final["ENTRYPOINT"].removeprefix("ENTRYPOINT "))
        command = json.loads(final["CMD"].removeprefix("CMD "))
        assert [*entrypoint, *command] == ["hub", "serve", "--migrate"]
        assert "/readyz" in final["HEALTHCHECK"]

    def test_what_it_writes_goes_to_its_volume(self, stages: list[list[str]]) -> None:
        final = "\n".join(stages[-1])

        assert "HUB_DEV_KEYS_DIR=/var/lib/hub/keys" in final
        assert 'VOLUME ["/var/lib/hub"]' in final


@pytest.fixture(scope="module")
def secrets_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("compose") / "secrets"
    subprocess.run([str(PROJECT_ROOT / "deploy" / "compose-secrets.sh"), str(folder)], check=True, timeout=60)
    return folder


@pytest.fixture(scope="module")
def resolved(secrets_dir: Path) -> dict[str, Any]:
    """docker-compose.yml as docker-compose reads it, once `config -q` has found it valid."""
    if shutil.which("docker-compose") is None:
        pytest.fail("docker-compose is not installed: apt-get install docker-compose, then make test")
    environment = {"PATH": "/usr/bin:/bin", "HUB_SECRETS_DIR": str(secrets_dir)}
    checked = subprocess.run(
        ["docker-compose", "config", "-q"], cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True,
        timeout=60, check=False,
    )
    assert checked.returncode == 0, checked.stderr
    printed = subprocess.run(
        ["docker-compose", "config"], cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True,
        timeout=60, check=True,
    )
    loaded: dict[str, Any] = yaml.safe_load(printed.stdout)
    return loaded


class TestTheComposeFile:
    def test_every_variable_is_a_setting_and_every_secret_production_needs_is_a_mounted_file(
        self, resolved: dict[str, Any]
    ) -> None:
        api = resolved["services"]["api"]
        environment: dict[str, Any] = api["environment"]
        # The short form names the secret; docker-compose prints the long one, {source, target}.
        mounted = {
            f"/run/secrets/{entry if isinstance(entry, str) else entry.get('target', entry['source'])}"
            for entry in api["secrets"]
        }

        assert all(setting_of(variable) for variable in environment)
        assert file_settings(environment) >= PRODUCTION_SECRETS
        assert {value for variable, value in environment.items() if variable.endswith("_FILE")} <= mounted
        assert "HUB_NEO4J_PASSWORD" not in environment and "HUB_KEK_BASE64" not in environment

    def test_keys_and_the_checkpoint_log_are_on_a_volume_and_the_rest_is_read_only(
        self, resolved: dict[str, Any]
    ) -> None:
        api = resolved["services"]["api"]
        volumes = {volume.split(":")[1] if isinstance(volume, str) else volume["target"] for volume in api["volumes"]}

        assert api["read_only"] is True
        assert "/var/lib/hub" in volumes
        assert api["environment"]["HUB_AUDIT_CHECKPOINT_LOG"].startswith("/var/lib/hub/")

    def test_the_secrets_it_is_given_start_a_production_hub(
        self, resolved: dict[str, Any], secrets_dir: Path, session_driver: Driver, test_settings: Settings,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        environment = {
            variable: str(value).replace("/run/secrets", str(secrets_dir))
            for variable, value in resolved["services"]["api"]["environment"].items() if value is not None
        }
        for variable, value in environment.items():
            monkeypatch.setenv(variable, value)
        monkeypatch.setenv("HUB_ENVIRONMENT", "production")
        monkeypatch.setenv("HUB_JWT_ISSUER", "https://login.example.org/realms/council")
        monkeypatch.setenv("HUB_JWT_JWKS_URL", "https://login.example.org/realms/council/certs")
        monkeypatch.setenv("HUB_DEV_KEYS_DIR", str(test_settings.dev_keys_dir))

        settings = Settings(_env_file=None)

        refuse_development_defaults(settings)
        assert settings.neo4j_password.get_secret_value() == (secrets_dir / "neo4j_password").read_text()
        assert keyring(settings) and audit_signing_key(settings)
        assert create_app(settings, driver=session_driver)


@pytest.fixture(scope="module")
def documents() -> list[dict[str, Any]]:
    """The chart as Helm renders it with a deployment's values."""
    rendered = subprocess.run(
        [str(tool("helm")), "template", "hub", str(CHART), "--kube-version", KUBE_VERSION, "-f", str(LINT_VALUES)],
        capture_output=True, text=True, timeout=120, check=True,
    )
    return [document for document in yaml.safe_load_all(rendered.stdout) if document]


@pytest.fixture(scope="module")
def container(documents: list[dict[str, Any]]) -> dict[str, Any]:
    deployment = next(document for document in documents if document["kind"] == "Deployment")
    found: dict[str, Any] = deployment["spec"]["template"]["spec"]["containers"][0]
    return found


class TestTheChart:
    def test_helm_lints_it_strictly(self) -> None:
        linted = subprocess.run(
            [str(tool("helm")), "lint", "--strict", "--kube-version", KUBE_VERSION, str(CHART), "-f", str(LINT_VALUES)],
            capture_output=True, text=True, timeout=120, check=False,
        )

        assert linted.returncode == 0, linted.stdout + linted.stderr

    def test_kube_score_finds_nothing_wrong(self, documents: list[dict[str, Any]], tmp_path: Path) -> None:
        manifests = tmp_path / "rendered.yaml"
        manifests.write_text(yaml.safe_dump_all(documents), encoding="utf-8")

        scored = subprocess.run(
            [str(tool("kube_score")), "score", "--ignore-test", "container-image-pull-policy", str(manifests)],
            capture_output=True, text=True, timeout=120, check=False,
        )

        assert scored.returncode == 0, scored.stdout

    def test_liveness_and_readiness_probe_the_hubs_own_routes(
        self, container: dict[str, Any], session_driver: Driver, test_settings: Settings
    ) -> None:
        routes = {getattr(route, "path", None) for route in create_app(test_settings, driver=session_driver).routes}

        assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert {"/livez", "/readyz"} <= routes

    def test_every_variable_is_a_setting_and_secrets_come_as_files(
        self, container: dict[str, Any], documents: list[dict[str, Any]]
    ) -> None:
        config_map = next(document for document in documents if document["kind"] == "ConfigMap")
        variables = {entry["name"]: entry.get("value") for entry in container["env"] if entry["name"] != "POD_NAME"}

        assert all(setting_of(variable) for variable in [*variables, *config_map["data"]])
        assert file_settings(variables) >= PRODUCTION_SECRETS
        assert not {"HUB_NEO4J_PASSWORD", "HUB_KEK_BASE64", "HUB_METRICS_TOKEN"} & {*variables, *config_map["data"]}

    def test_it_runs_unprivileged_on_a_read_only_root(self, container: dict[str, Any]) -> None:
        security = container["securityContext"]

        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert container["args"] == ["serve", "--migrate"]

    def test_without_the_identity_providers_issuer_it_does_not_render(self) -> None:
        rendered = subprocess.run(
            [str(tool("helm")), "template", "hub", str(CHART), "--kube-version", KUBE_VERSION],
            capture_output=True, text=True, timeout=120, check=False,
        )

        assert rendered.returncode != 0
        assert "HUB_JWT_ISSUER" in rendered.stderr
