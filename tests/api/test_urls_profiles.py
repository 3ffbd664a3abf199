"""URL normalisation, the credential lookup order and profile files (no server needed)."""

from __future__ import annotations

import os
import stat

import pytest

from galaxy_widgets import profiles
from galaxy_widgets.errors import GalaxyError
from galaxy_widgets.filters import FilterSyntaxError, parse_filter_text
from galaxy_widgets.urls import api_path, base_url


@pytest.mark.parametrize(
    "given",
    ["https://host/galaxy", "https://host/galaxy/", "https://host/galaxy/api", "https://host/galaxy/api/"],
)
def test_base_url_keeps_prefix_and_drops_api(given):
    assert base_url(given) == "https://host/galaxy"


@pytest.mark.parametrize("given", ["https://host", "https://host/", "https://host/api/", "host"])
def test_base_url_without_prefix(given):
    assert base_url(given) == "https://host"


def test_base_url_rejects_nonsense():
    with pytest.raises(GalaxyError, match="http"):
        base_url("ftp://host")
    with pytest.raises(GalaxyError, match="empty"):
        base_url("  ")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("histories", "histories"),
        ("/api/histories", "histories"),
        ("api/datasets/1/display", "datasets/1/display"),
        # Galaxy's own `url` fields are not prefixed under galaxy_url_prefix: read them API-relative
        ("/api/datasets/abc", "datasets/abc"),
        ("http://host/galaxy/api/histories?x=1", "histories?x=1"),
    ],
)
def test_api_path(given, expected):
    assert api_path(given) == expected


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for var in ("GALAXY_URL", "GALAXY_API_KEY", "API_KEY", "HISTORY_ID"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("GALAXY_WIDGETS_CONFIG_DIR", str(tmp_path / "cfg"))
    return monkeypatch


def test_credentials_order(clean_env):
    with pytest.raises(GalaxyError, match="No Galaxy configured"):
        profiles.resolve()
    # Galaxy interactive tool variables come last
    clean_env.setenv("GALAXY_URL", "http://it.example")
    clean_env.setenv("API_KEY", "itkey")
    clean_env.setenv("HISTORY_ID", "h1")
    creds = profiles.resolve()
    assert (creds.url, creds.api_key, creds.history_id) == ("http://it.example", "itkey", "h1")
    # a saved default profile beats the interactive tool ...
    profiles.save_profile("work", "https://work.example/galaxy", "profilekey")
    creds = profiles.resolve()
    assert (creds.url, creds.api_key, creds.source) == (
        "https://work.example/galaxy",
        "profilekey",
        "profile work",
    )
    # ... the environment beats the profile ...
    clean_env.setenv("GALAXY_API_KEY", "envkey")
    assert profiles.resolve().api_key == "envkey"
    # ... and explicit arguments beat everything
    creds = profiles.resolve("https://other.example", "argkey")
    assert (creds.url, creds.api_key, creds.source) == ("https://other.example", "argkey", "arguments")
    # a named profile is taken as asked
    assert profiles.resolve(profile="work").api_key == "profilekey"
    with pytest.raises(GalaxyError, match="No profile named 'nope'.*work"):
        profiles.resolve(profile="nope")


def test_url_alone_finds_its_profile(clean_env):
    profiles.save_profile("a", "https://a.example/galaxy/", "key-a")
    profiles.save_profile("b", "https://b.example", "key-b")
    assert profiles.resolve("https://b.example/api/").api_key == "key-b"
    with pytest.raises(GalaxyError, match="No API key for https://c.example"):
        profiles.resolve("https://c.example")


def test_profile_file_is_private_and_keyless_listing(clean_env):
    path = profiles.save_profile("p", "https://x.example", "secret-key-123")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert profiles.list_profiles() == {"p": "https://x.example"}
    assert "secret-key-123" not in repr(profiles.resolve(profile="p"))
    profiles.delete_profile("p")
    assert profiles.list_profiles() == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [("deleted-eq", "false"), ("visible-eq", "true")]),
        ("reads", [("name-contains", "reads"), ("deleted-eq", "false"), ("visible-eq", "true")]),
        (
            "name:'my reads' extension:FastQSanger state:ok tag:run1",
            [
                ("name-contains", "my reads"),
                ("extension-eq", "fastqsanger"),
                ("state-eq", "ok"),
                ("tag-eq", "run1"),
                ("deleted-eq", "false"),
                ("visible-eq", "true"),
            ],
        ),
        (
            "hid>3 hid<=10 deleted:any visible:false",
            [("hid-gt", "3"), ("hid-le", "10"), ("visible-eq", "false")],
        ),
        (
            "type:collection deleted:true",
            [
                ("history_content_type-eq", "dataset_collection"),
                ("deleted-eq", "true"),
                ("visible-eq", "true"),
            ],
        ),
    ],
)
def test_filter_text(text, expected):
    assert parse_filter_text(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour:red", "Unknown filter 'colour'"),
        ("hid>x", "number"),
        ("deleted:maybe", "true, false or any"),
        ("name:", "no value"),
        ("name:'open", "Cannot read filter"),
        ("state>ok", "takes ':'"),
    ],
)
def test_filter_text_errors(text, message):
    with pytest.raises(FilterSyntaxError, match=message):
        parse_filter_text(text)
