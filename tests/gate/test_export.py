"""`openbeian gate export`: the allow-list for nginx and HAProxy maps and as JSON, on a real SQLite registry built
through the services (filed, IDN, subdomain filed elsewhere, pending, cancelled, filed elsewhere)."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from openbeian.domain.domains import parse_domain
from openbeian.gate.export import export, nginx_hash_sizes, replaced_atomically
from openbeian.gate.source import load_index
from openbeian.simulate.driver import OTHER_PROVIDER_NAME_EN

from .edge_support import IDN_DOMAIN, PROVIDER, Hosts, openbeian, registry_file

if TYPE_CHECKING:
    from conftest import Filings


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Filings, Hosts]]:
    """Built once: every test here only reads it."""
    with registry_file(tmp_path_factory.mktemp("registry")) as built:
        yield built


@pytest.fixture
def filings(registry: tuple[Filings, Hosts]) -> Filings:
    return registry[0]


@pytest.fixture
def hosts(registry: tuple[Filings, Hosts]) -> Hosts:
    return registry[1]


def url(filings: Filings) -> str:
    return str(filings.ctx.db.engine.url)


def run_export(filings: Filings, *args: str) -> str:
    done = openbeian("--database", url(filings), "gate", "export", *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def haproxy_entries(text: str) -> dict[str, str]:
    return dict(line.split(" ") for line in text.splitlines() if line and not line.startswith("#"))  # type: ignore[misc]


def test_the_haproxy_map_allows_filed_domains_and_blocks_a_subdomain_filed_elsewhere(
    filings: Filings, hosts: Hosts
) -> None:
    entries = haproxy_entries(run_export(filings, "--format", "haproxy-map", "--provider", PROVIDER))
    assert entries == {hosts.filed: "1", hosts.idn: "1", hosts.elsewhere_under_filed: "0"}


def test_without_a_provider_the_map_is_the_registrys_view(filings: Filings, hosts: Hosts) -> None:
    entries = haproxy_entries(run_export(filings, "--format", "haproxy-map"))
    assert entries == {hosts.filed: "1", hosts.idn: "1", hosts.elsewhere: "1", hosts.elsewhere_under_filed: "1"}


def test_the_other_providers_map_holds_only_its_own_sites(filings: Filings, hosts: Hosts) -> None:
    entries = haproxy_entries(run_export(filings, "--format", "haproxy-map", "--provider", OTHER_PROVIDER_NAME_EN))
    assert entries == {hosts.elsewhere: "1", hosts.elsewhere_under_filed: "1"}


def test_idn_domains_are_exported_as_punycode(filings: Filings, hosts: Hosts) -> None:
    assert hosts.idn == parse_domain(IDN_DOMAIN, "domain").ascii
    assert hosts.idn.startswith("xn--")
    text = run_export(filings, "--format", "nginx-map", "--provider", PROVIDER)
    assert f"    .{hosts.idn} 1;\n" in text
    assert IDN_DOMAIN not in text and text.isascii()


def test_the_nginx_map_covers_each_domain_and_its_subdomains_with_sized_hashes(filings: Filings, hosts: Hosts) -> None:
    text = run_export(filings, "--format", "nginx-map", "--provider", PROVIDER)
    lines = [line.strip() for line in text.splitlines() if line and not line.startswith("#")]
    names = (hosts.filed, hosts.idn, hosts.elsewhere_under_filed)
    max_size, bucket = nginx_hash_sizes(3, len(hosts.idn), sum(map(len, names)) / 3)
    assert lines == [
        f"map_hash_max_size {max_size};",
        f"map_hash_bucket_size {bucket};",
        "map $host $openbeian_allowed {",
        "hostnames;",
        "default 0;",
        *sorted(lines[5:-1]),
        "}",
    ]
    assert sorted(lines[5:-1]) == sorted(
        [f".{hosts.filed} 1;", f".{hosts.idn} 1;", f".{hosts.elsewhere_under_filed} 0;"]
    )


def test_nginx_hash_sizes_grow_with_the_map_and_its_names() -> None:
    assert nginx_hash_sizes(0, 10, 10) == (2048, 256)
    assert nginx_hash_sizes(1_000_000, 30, 14) == (2 * 1_048_576, 256)
    assert nginx_hash_sizes(10, 30, 25) == (2048, 512)  # eight average names per bucket
    assert nginx_hash_sizes(10, 253, 14)[1] == 512  # the longest legal name fits


def test_the_json_export_lists_every_known_domain_with_its_decision(filings: Filings, hosts: Hosts) -> None:
    data = json.loads(run_export(filings, "--format", "json", "--provider", PROVIDER))
    assert data["provider"] == PROVIDER and data["seq"] > 0 and "subdomains" in data["match"]
    decided = {d["domain"]: (d["decision"], d["reason"]) for d in data["domains"]}
    assert decided == {
        hosts.filed: ("allowed", "filed"),
        hosts.idn: ("allowed", "filed"),
        hosts.elsewhere: ("unknown", "filed_elsewhere"),
        hosts.elsewhere_under_filed: ("unknown", "filed_elsewhere"),
        hosts.pending: ("pending", "in_review"),
        hosts.cancelled: ("suspended", "cancelled"),
    }
    numbers = {d["domain"]: d["site_number"] for d in data["domains"]}
    assert numbers[hosts.filed] == numbers[hosts.idn] and "ICP备" in numbers[hosts.filed]


def test_out_replaces_the_file_whole_and_keeps_its_permissions(filings: Filings, hosts: Hosts, tmp_path: Path) -> None:
    out = tmp_path / "gate.map"
    out.write_text("old\n")
    out.chmod(0o640)
    done = openbeian("--database", url(filings), "gate", "export", "--format", "haproxy-map", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "4 entries" in done.stderr
    assert hosts.filed + " 1" in out.read_text().splitlines()
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".gate.map")) == []


def test_a_failed_export_leaves_the_old_file_and_no_temporary_file(filings: Filings, tmp_path: Path) -> None:
    out = tmp_path / "gate.conf"
    out.write_text("the old map\n")
    index = load_index(filings.ctx.db.engine)
    with pytest.raises(ValueError, match="unknown format"), replaced_atomically(out) as handle:
        handle.write("half a map\n")
        export(index, "apache-map", None, None, handle)
    assert out.read_text() == "the old map\n"
    assert os.listdir(tmp_path) == ["gate.conf"]


def test_a_new_out_file_is_readable_by_the_web_server(filings: Filings, tmp_path: Path) -> None:
    out = tmp_path / "new.json"
    run_export(filings, "--format", "json", "--out", str(out))
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert json.loads(out.read_text())["provider"] is None


def test_bad_arguments_exit_2_with_one_line(filings: Filings, tmp_path: Path) -> None:
    for args, wanted in (
        (["--format", "json", "--provider", "No Such Cloud"], "--provider"),
        (["--format", "json", "--out", str(tmp_path / "missing" / "x.json")], "--out"),
        (["--format", "apache"], "Invalid value"),
    ):
        done = openbeian("--database", url(filings), "gate", "export", *args)
        assert done.returncode == 2, (args, done.stderr)
        assert wanted in done.stderr and done.stdout == ""


def test_an_export_from_a_served_feed_equals_the_export_from_the_database(
    filings: Filings, hosts: Hosts, tmp_path: Path
) -> None:
    from served import serving

    with serving(url(filings), tmp_path / "serve.log") as served:
        for fmt in ("haproxy-map", "json"):
            remote = run_export(
                filings, "--format", fmt, "--provider", PROVIDER, "--feed", f"http://127.0.0.1:{served.port}"
            )
            assert remote == run_export(filings, "--format", fmt, "--provider", PROVIDER), fmt
    assert hosts.filed in remote
