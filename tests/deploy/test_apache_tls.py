"""Through Apache under /galaxy with TLS from a private CA: the API, a 100 MB TUS upload, a download,
a workflow run, ``%galaxy connect`` in each URL form, and each way to trust the CA (or not)."""

from __future__ import annotations

import hashlib
import time

import pytest
from IPython.core.error import UsageError

from galaxy_widgets import Galaxy, profiles
from galaxy_widgets.errors import GalaxyConnectionError
from galaxy_widgets.local import DEMO_WORKFLOWS
from galaxy_widgets.records import Dataset

pytestmark = [pytest.mark.deploy, pytest.mark.prefix]

TABLE = "#name\tvalue\tgroup\nalpha\t3\ta\nbeta\t1\tb\ngamma\t5\ta\ndelta\t2\tb\n"
BIG = 100 * 1024 * 1024 + 12345  # a little over 100 MiB, not a multiple of the TUS chunk


@pytest.fixture(scope="session")
def tls_table(tls_gi, tls_history):
    """A small tabular dataset uploaded through the proxy."""
    result = tls_gi.uploads.fetch(
        tls_history.id, [{"src": "pasted", "paste_content": TABLE, "ext": "tabular", "name": "table.tsv"}]
    )
    return tls_gi.uploads.wait(result).datasets[0]


@pytest.fixture(scope="session")
def head_run(tls_gi, tls_history, tls_table):
    """The demo workflow sort_and_head, imported and invoked through the proxy (launched once)."""
    wf = tls_gi.workflows.import_(DEMO_WORKFLOWS / "sort_and_head.gxwf.yml")
    return tls_gi.workflows.invoke(wf, {"table": tls_table, "lines": 2}, history=tls_history.id)


def test_api_through_the_proxy(tls_gi, apache, prefixed_server):
    assert tls_gi.url == apache.url  # https://127.0.0.1:PORT/galaxy
    direct = Galaxy(prefixed_server.url, api_key=prefixed_server.api_key)
    assert tls_gi.get("version") == direct.get("version")
    assert tls_gi.users.current().email == direct.users.current().email
    h = tls_gi.histories.create("gw-tests apache create")
    assert h.id in [x.id for x in tls_gi.histories.list()]
    assert tls_gi.histories.show(h.id).name == "gw-tests apache create"
    # and Apache really sat in between: its access log holds the call
    access = (apache.root / "logs" / "access.log").read_text()
    assert f"GET /galaxy/api/histories/{h.id}" in access


def test_contents_and_download(tls_gi, tls_history, tls_table, tmp_path):
    contents = tls_gi.histories.contents(tls_history.id)
    assert tls_table.id in [c.id for c in contents]
    path = tls_gi.datasets.download(tls_table.id, tmp_path / "table.tsv")
    assert path.read_text() == TABLE


def test_tus_upload_of_100_mb(tls_gi, tls_history, apache, tmp_path, capsys):
    big = tmp_path / "big.txt"
    md5 = hashlib.md5()
    with big.open("wb") as fh:
        rng = hashlib.sha256(b"gw-apache")
        while fh.tell() < BIG:
            rng = hashlib.sha256(rng.digest())
            line = (rng.hexdigest() * 16)[:1023].encode() + b"\n"
            line = line[: BIG - fh.tell()]
            fh.write(line)
            md5.update(line)
    assert big.stat().st_size == BIG
    started = time.monotonic()
    result = tls_gi.uploads.files(tls_history.id, [big], ext="txt")
    sent = time.monotonic() - started
    done = tls_gi.uploads.wait(result)
    total = time.monotonic() - started
    with capsys.disabled():
        print(f"\n100 MB TUS upload through Apache+TLS: sent in {sent:.1f} s, dataset ok after {total:.1f} s")
    ds = tls_gi.datasets.show(done.datasets[0].id)
    assert ds.state == "ok"
    assert ds.size == BIG
    # the server's copy, read back through the proxy
    back = tls_gi.datasets.download(ds.id, tmp_path / "back.txt")
    got = hashlib.md5()
    with back.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            got.update(block)
    assert (back.stat().st_size, got.hexdigest()) == (BIG, md5.hexdigest())
    # every byte went through Apache: TUS PATCHes to the prefixed endpoint (last field: bytes received)
    log = (apache.root / "logs" / "access.log").read_text().splitlines()
    patches = [line for line in log if '"PATCH /galaxy/api/upload/resumable_upload/' in line]
    assert patches and all(" 204 " in line for line in patches)
    assert sum(int(line.rsplit(" ", 1)[1]) for line in patches) >= BIG


def test_workflow_run_through_the_proxy(tls_gi, head_run):
    inv = tls_gi.invocations.wait(head_run.id, timeout=600)
    top = tls_gi.invocations.outputs(inv.id)["top"]
    assert isinstance(top, Dataset)
    assert tls_gi.datasets.text(top.id) == "#name\tvalue\tgroup\nalpha\t3\ta\n"


def test_requests_ca_bundle(apache, prefixed_server, test_ca, other_ca, no_env_trust, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(test_ca.ca_cert))
    gi = Galaxy(apache.url, api_key=prefixed_server.api_key)
    assert "version_major" in gi.get("version")
    # an explicit verify=PATH wins over the environment's bundle
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other_ca.ca_cert))
    gi = Galaxy(apache.url, api_key=prefixed_server.api_key, verify=str(test_ca.ca_cert))
    assert "version_major" in gi.get("version")


def test_untrusted_ca_fails_with_the_fix(apache, prefixed_server, other_ca, no_env_trust):
    for verify in (True, str(other_ca.ca_cert)):
        gi = Galaxy(apache.url, api_key=prefixed_server.api_key, verify=verify, retries=0)
        with pytest.raises(GalaxyConnectionError) as info:
            gi.get("version")
        msg = str(info.value)
        assert "certificate not trusted" in msg
        assert "verify=PATH" in msg and "--ca-bundle PATH" in msg and "REQUESTS_CA_BUNDLE" in msg
        assert info.value.__cause__ is None and info.value.__suppress_context__
        assert prefixed_server.api_key not in msg


def test_profile_ca_bundle(apache, prefixed_server, test_ca, no_env_trust):
    gi = Galaxy(apache.url, api_key=prefixed_server.api_key, verify=str(test_ca.ca_cert))
    gi.save_profile("tls")
    saved = profiles._load()["profiles"]["tls"]
    assert saved["ca_bundle"] == str(test_ca.ca_cert.resolve())
    again = Galaxy(profile="tls")
    assert again.session.verify == str(test_ca.ca_cert.resolve())
    assert again.users.current().email
    profiles.save_profile("bare", apache.url, prefixed_server.api_key)
    with pytest.raises(GalaxyConnectionError, match="certificate not trusted"):
        Galaxy(profile="bare", retries=0).get("version")


@pytest.mark.parametrize("form", ["", "/", "/api/"])
def test_connect_magic_each_url_form(ip, magics, apache, prefixed_server, test_ca, no_env_trust, monkeypatch,
                                     capsys, form):  # fmt: skip
    monkeypatch.setenv("GW_TLS_KEY", prefixed_server.api_key)
    ip.run_cell(f"%galaxy connect {apache.url}{form} --key-env GW_TLS_KEY --ca-bundle {test_ca.ca_cert}")
    assert f"to {apache.url} (credentials from arguments)" in capsys.readouterr().out
    assert magics.gi.url == apache.url
    assert magics.gi.session.verify == str(test_ca.ca_cert)
    ip.run_cell("%galaxy status")
    assert "Connected as" in capsys.readouterr().out


def test_connect_magic_trust(ip, magics, apache, prefixed_server, test_ca, no_env_trust, monkeypatch, capsys):
    monkeypatch.setenv("GW_TLS_KEY", prefixed_server.api_key)
    with pytest.raises(UsageError, match=r"certificate not trusted.*--ca-bundle PATH"):
        ip.run_cell(f"%galaxy connect {apache.url} --key-env GW_TLS_KEY")
    assert magics.gi is None
    with pytest.raises(UsageError, match="--ca-bundle nope.pem: no such file"):
        ip.run_cell(f"%galaxy connect {apache.url} --key-env GW_TLS_KEY --ca-bundle nope.pem")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(test_ca.ca_cert))
    ip.run_cell(f"%galaxy connect {apache.url}/ --key-env GW_TLS_KEY")
    assert magics.gi is not None and magics.gi.url == apache.url
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    profiles.save_profile("tls", apache.url, prefixed_server.api_key, ca_bundle=str(test_ca.ca_cert))
    ip.run_cell("%galaxy connect --profile tls")
    assert "credentials from profile tls" in capsys.readouterr().out
