"""`hub subject-access` against the sealed demo city: both files written for the owner alone,
the production recorded as by the operator, and nothing produced when it would overwrite a
pack, name a file outside the folder, or find no such person."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import LiteralString

import pytest
from neo4j import Driver

from config.settings import Settings
from devtools import demo_city
from tests.api.protected_hub import run_hub_command

CHILD = demo_city.DEMO_FAMILY_CHILD_ID
PRODUCED: LiteralString = """
MATCH (e:AuditEvent {action: 'subject_access.produced'})
RETURN e.actor AS actor, e.targets AS targets ORDER BY e.seq
"""


def produced(driver: Driver) -> list[tuple[str, list[str]]]:
    records, _, _ = driver.execute_query(PRODUCED, database_="neo4j")
    return [(r["actor"], r["targets"]) for r in records]


def summaries(pack: dict[str, object]) -> set[tuple[str, str | None]]:
    sections = pack["sections"]
    assert isinstance(sections, dict)
    return {
        (item["id"], {f["name"]: f["value"] for f in item["fields"]}["summary"])
        for item in sections["agency_records"]["items"]
    }


class TestThePackIsWritten:
    def test_json_and_html_are_written_readable_by_the_owner_only_and_the_production_is_recorded(
        self, sealed_city_db: Driver, test_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        out = tmp_path / "requests" / "sar-0001"

        result = run_hub_command(monkeypatch, test_settings, "subject-access", CHILD, "--out", str(out), "--by", "dpo")

        assert result.exit_code == 0, result.output
        pack = json.loads((out / f"{CHILD}.json").read_text(encoding="utf-8"))
        page = (out / f"{CHILD}.html").read_text(encoding="utf-8")
        expected = {(r.id, r.summary) for r in demo_city.demo_city().records if r.person_id == CHILD}
        assert (pack["person_id"], pack["produced_by"]) == (CHILD, "operator:dpo")
        assert expected and summaries(pack) == expected
        assert page.startswith("<!DOCTYPE html>") and f"Subject access pack: {CHILD}" in page
        for written in (out / f"{CHILD}.json", out / f"{CHILD}.html"):
            assert stat.S_IMODE(written.stat().st_mode) == 0o600
        assert produced(sealed_city_db) == [("operator:dpo", [CHILD])]


class TestNothingIsProduced:
    def test_an_existing_pack_is_not_overwritten_without_force_and_is_with_it(
        self, sealed_city_db: Driver, test_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        (tmp_path / f"{CHILD}.html").write_text("the pack the DPO is redacting", encoding="utf-8")

        refused = run_hub_command(monkeypatch, test_settings, "subject-access", CHILD, "--out", str(tmp_path))

        assert refused.exit_code == 1
        assert "exists: pass --force to replace it; no pack was produced" in refused.output
        assert (tmp_path / f"{CHILD}.html").read_text(encoding="utf-8") == "the pack the DPO is redacting"
        assert not (tmp_path / f"{CHILD}.json").exists()
        assert produced(sealed_city_db) == []

        forced = run_hub_command(
            monkeypatch, test_settings, "subject-access", CHILD, "--out", str(tmp_path), "--force",
        )

        assert forced.exit_code == 0, forced.output
        assert (tmp_path / f"{CHILD}.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
        assert len(produced(sealed_city_db)) == 1

    def test_a_link_where_the_pack_would_go_is_refused_even_with_force(
        self, sealed_city_db: Driver, test_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        out, elsewhere = tmp_path / "out", tmp_path / "shared-drive" / "pack.json"
        out.mkdir()
        elsewhere.parent.mkdir()
        # A dangling link reads as no file at all, so only asking whether it is a link catches it.
        (out / f"{CHILD}.json").symlink_to(elsewhere)

        result = run_hub_command(
            monkeypatch, test_settings, "subject-access", CHILD, "--out", str(out), "--force",
        )

        assert result.exit_code == 1
        assert "is a link: a pack is never written through one" in result.output
        assert not elsewhere.exists()
        assert produced(sealed_city_db) == []

    def test_an_unknown_person_is_refused_and_no_file_is_written(
        self, sealed_city_db: Driver, test_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        result = run_hub_command(monkeypatch, test_settings, "subject-access", "person-999-99", "--out", str(tmp_path))

        assert result.exit_code == 1
        assert "no such person with the id 'person-999-99': no pack was produced" in result.output
        assert list(tmp_path.iterdir()) == []
        assert produced(sealed_city_db) == []

    @pytest.mark.parametrize("person_id", ["../person-001-06", "person/001", ".hidden"])
    def test_an_id_that_could_name_a_file_elsewhere_is_refused_before_anything_is_read(
        self, graph_db: Driver, test_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        person_id: str,
    ) -> None:
        out = tmp_path / "out"

        result = run_hub_command(monkeypatch, test_settings, "subject-access", person_id, "--out", str(out))

        assert result.exit_code == 1
        assert "cannot name a file: no pack was produced" in result.output
        assert list(tmp_path.iterdir()) == []
