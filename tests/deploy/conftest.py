"""Fixtures for the deployment tests: a private Apache with TLS in front of the /galaxy-prefixed Galaxy.

``apache`` proxies ``https://127.0.0.1:PORT/galaxy`` to the session's prefixed Galaxy
(``prefixed_server``), with a certificate from a CA made for this session (``test_ca``); ``tls_gi``
is a client through it that trusts that CA. The magics shell is the one ``tests/magics`` uses.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from apache import Apache, TestCA, make_ca

MAGICS_CONFTEST = Path(__file__).parents[1] / "magics" / "conftest.py"


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory: pytest.TempPathFactory) -> TestCA:
    return make_ca(tmp_path_factory.mktemp("tls-ca"))


@pytest.fixture(scope="session")
def other_ca(tmp_path_factory: pytest.TempPathFactory) -> TestCA:
    """A second CA that did NOT sign the server's certificate."""
    return make_ca(tmp_path_factory.mktemp("tls-other-ca"), "gw-other-ca")


@pytest.fixture(scope="session")
def apache(
    prefixed_server: Any, test_ca: TestCA, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Apache]:
    if not Path(Apache.binary()).exists():
        pytest.fail("Debian's apache2 is not installed: `apt-get install -y apache2` (scripts/test does)")
    proxy = Apache(prefixed_server.url, tmp_path_factory.mktemp("apache"), test_ca)
    proxy.start()
    print(f"\n{proxy.version()} started in {proxy.start_seconds:.2f} s at {proxy.url}", file=sys.stderr)
    yield proxy
    proxy.stop()


@pytest.fixture(scope="session")
def tls_gi(apache: Apache, prefixed_server: Any, test_ca: TestCA) -> Iterator[Any]:
    from galaxy_widgets import Galaxy

    gi = Galaxy(apache.url, api_key=prefixed_server.api_key, verify=str(test_ca.ca_cert), timeout=120)
    yield gi
    gi.close()


@pytest.fixture(scope="session")
def tls_history(tls_gi: Any) -> Any:
    return tls_gi.histories.create("gw-tests through apache")


@pytest.fixture
def no_env_trust(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No CA bundle from the environment, profiles in a fresh dir, no key from the environment."""
    for var in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "GALAXY_API_KEY", "GALAXY_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("GALAXY_WIDGETS_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path


def _magics_conftest(config: pytest.Config) -> Any:
    """tests/magics/conftest.py as pytest loaded it (one TestingShell class per session), or loaded here."""
    for plugin in config.pluginmanager.get_plugins():
        if getattr(plugin, "__file__", None) == str(MAGICS_CONFTEST):
            return plugin
    spec = importlib.util.spec_from_file_location("gw_magics_conftest", MAGICS_CONFTEST)
    assert spec and spec.loader
    mod = sys.modules.setdefault("gw_magics_conftest", importlib.util.module_from_spec(spec))
    if not hasattr(mod, "TestingShell"):
        spec.loader.exec_module(mod)
    return mod


@pytest.fixture
def ip(request: pytest.FixtureRequest) -> Any:
    """The magics shell with ``%load_ext galaxy_widgets`` done, not connected (as in tests/magics)."""
    mod = _magics_conftest(request.config)
    shell = mod.TestingShell.instance()
    shell.run_cell("%load_ext galaxy_widgets")
    m = mod.galaxy_magics(shell)
    m.set_connection(None)
    m.log.clear()
    for name, trait in m.traits(config=True).items():
        setattr(m, name, trait.default())
    shell.reset(new_session=False)
    yield shell
    m.set_connection(None)


@pytest.fixture
def magics(ip: Any, request: pytest.FixtureRequest) -> Any:
    return _magics_conftest(request.config).galaxy_magics(ip)
