"""Issue 10 through the magics: what the audit found, as a notebook user meets it (UsageError, no key)."""

from __future__ import annotations

import getpass
import secrets
import sys
from pathlib import Path

import pytest
from IPython.core.error import UsageError

from galaxy_widgets import profiles
from galaxy_widgets.errors import GalaxyError
from galaxy_widgets.magics.commands.workflows import _input_value
from galaxy_widgets.records import Collection, Dataset, WorkflowInput

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scripted import scripted

KEY = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"


# A history of this module's own: its tests check that nothing was added to the current history,
# and the folder's shared copy also receives the background runs of other tests (in any order).
@pytest.fixture(scope="module")
def uploaded(uploaded, gi, copy_uploaded_to):
    return copy_uploaded_to(gi, uploaded, "gw-tests magics trust")[1]


@pytest.fixture
def on(ip, uploaded):
    """Connected to the real Galaxy, the magics' own copy of the uploads current."""
    ip.run_cell("%galaxy connect")
    ip.run_cell(f"%galaxy use {uploaded.history_id}")
    return ip


# 2. a profile's key goes only to that profile's URL
def test_connect_url_with_another_profile_is_refused(ip, magics, own_config):
    with scripted(("json", 200, {})) as mine, scripted(("json", 200, {"id": "u"})) as stranger:
        profiles.save_profile("p", mine.url, KEY)
        with pytest.raises(UsageError) as info:
            ip.run_cell(f"%galaxy connect {stranger.url} --profile p")
    assert "--key-env" in str(info.value) and KEY not in str(info.value)
    assert stranger.seen == [] and mine.seen == []
    assert magics.gi is None


# 3. a key with a newline from an env var works; one with a newline inside is refused unseen
def test_key_env_with_trailing_newline_connects(ip, magics, galaxy_server, own_config, monkeypatch):
    monkeypatch.setenv("MY_KEY", galaxy_server.api_key + "\r\n")
    ip.run_cell(f"%galaxy connect {galaxy_server.url} --key-env MY_KEY")
    assert magics.gi is not None and magics.gi.users.current().id


def test_key_env_with_inner_newline_is_a_usage_error(ip, magics, galaxy_server, own_config, monkeypatch):
    monkeypatch.setenv("MY_KEY", KEY[:10] + "\n" + KEY[10:])
    with pytest.raises(UsageError, match="line break") as info:
        ip.run_cell(f"%galaxy connect {galaxy_server.url} --key-env MY_KEY")
    assert KEY[:10] not in str(info.value) and magics.gi is None


# 6. a collection's id shows and gets the collection, never a dataset
def test_an_id_naming_both_is_refused_a_type_id_is_not(ip, magics, own_config, twin_items, monkeypatch):
    """A dataset and a collection made to share an id in one history (on the /galaxy server)."""
    t = twin_items
    monkeypatch.setenv("TWIN_KEY", t.server.api_key)
    ip.run_cell(f"%galaxy connect {t.server.url} --key-env TWIN_KEY")
    ip.run_cell(f"%galaxy use {t.history_id}")
    for line in (f"%galaxy get {t.item_id}", f"%galaxy show {t.item_id}"):
        with pytest.raises(UsageError, match=f"names both a dataset and a collection.*#{t.dataset_hid}"):
            ip.run_cell(line)
    view = ip.run(f"%galaxy show dataset_collection-{t.item_id}")
    assert isinstance(view.item, Collection) and view.item.hid == t.collection_hid
    view = ip.run(f"%galaxy show dataset-{t.item_id}")
    assert isinstance(view.item, Dataset) and view.item.hid == t.dataset_hid
    assert ip.run(f"%galaxy get dataset_collection-{t.item_id}") == {}  # an empty list
    # an input that takes one kind reads the bare id as that kind
    m = magics
    assert isinstance(m.resolve(t.item_id, "collection"), Collection)
    assert isinstance(m.resolve(t.item_id, "dataset"), Dataset)
    reads = WorkflowInput(index=0, label="reads", type="data_collection_input", collection_type="list")
    assert _input_value(m, reads, t.item_id).hid == t.collection_hid
    with pytest.raises(GalaxyError, match=f"Id {t.lone_dataset_id} is a dataset in this history"):
        _input_value(m, reads, t.lone_dataset_id)


def test_get_and_show_by_collection_id(on, uploaded, twin_history):
    samples, table = uploaded.samples, uploaded.table
    # a history made early in a session can hold a dataset with the collection's id (Galaxy encodes
    # both alike): then the bare id is refused, never read as the dataset
    if twin_history(samples.id, "collection") == uploaded.history_id:
        with pytest.raises(UsageError, match="names both a dataset and a collection"):
            on.run(f"%galaxy show {samples.id}")
    else:
        view = on.run(f"%galaxy show {samples.id}")
        assert isinstance(view.item, Collection) and view.item.id == samples.id
        value = on.run(f"%galaxy get {samples.id}")
        assert sorted(value) == ["s1", "s2", "s3"]
    # Galaxy's type_id says the kind: no twin can be taken for it
    value = on.run(f"%galaxy get dataset_collection-{samples.id}")
    assert sorted(value) == ["s1", "s2", "s3"]
    view = on.run(f"%galaxy show dataset-{table.id}")
    assert isinstance(view.item, Dataset) and view.item.id == table.id


# 7. a missing required data input is refused before anything runs
def test_tool_without_its_data_input(on, gi, uploaded):
    before = gi.histories.contents(uploaded.history_id, "deleted:any visible:any").count()
    with pytest.raises(UsageError, match="needs input 'input1'"):
        on.run_cell("%galaxy tool gw_head lines=1")
    with pytest.raises(UsageError, match="no input 'input_1'"):
        on.run_cell(f"%galaxy tool gw_head input_1={uploaded.text.hid} lines=1")
    assert gi.histories.contents(uploaded.history_id, "deleted:any visible:any").count() == before


# 9. a history named like an id is chosen by name
def test_use_history_named_like_an_id(on, gi, magics):
    name = secrets.token_hex(8)
    h = gi.histories.create(name)
    try:
        on.run_cell(f"%galaxy use {name}")
        assert magics.history_id == h.id
    finally:
        gi.histories.delete(h.id)


# 10. a broken answer in a magic is a UsageError naming the fault, not a traceback
def test_broken_answer_in_a_magic(ip, magics):
    from galaxy_widgets import Galaxy

    with scripted(("reset_mid",)) as srv:
        gi = Galaxy(srv.url, api_key=KEY, retries=1)
        for adapter in gi.session.adapters.values():
            adapter.max_retries.backoff_factor = 0
        magics.set_connection(gi)
        with pytest.raises(UsageError, match="broke off") as info:
            ip.run_cell("%galaxy api GET version")
    assert KEY not in str(info.value)


# 14. the smaller ones
def test_ls_with_a_huge_hid_is_a_filter_error(on):
    with pytest.raises(UsageError, match="a hid is a whole number up to"):
        on.run_cell("%galaxy ls hid>99999999999999999999")
    with pytest.raises(UsageError, match="is not a hid"):
        on.run_cell("%galaxy show 99999999999999999999")


def test_ls_size_zero_is_refused(on):
    with pytest.raises(UsageError, match="--size must be 1 or more, not 0"):
        on.run_cell("%galaxy ls --size 0")


def test_page_size_zero_is_refused(ip, magics, caplog):
    from traitlets import TraitError

    ip.run_cell("%config GalaxyMagics.page_size = 0")  # %config logs the error and keeps the value
    assert magics.page_size == 25
    assert "page_size must be 1 or more" in caplog.text
    with pytest.raises(TraitError, match="page_size must be 1 or more"):
        magics.page_size = 0
    with pytest.raises(TraitError, match="timeout must be above 0"):
        magics.timeout = 0


def test_upload_a_folder_says_so(on, tmp_path):
    (tmp_path / "runs").mkdir()
    with pytest.raises(UsageError, match=r"is a folder; upload the files in it with a glob"):
        on.run_cell(f"%galaxy upload {tmp_path / 'runs'}")


def test_put_an_object_says_an_object(on):
    on.user_ns["thing"] = object()
    with pytest.raises(UsageError, match="thing is an object"):
        on.run_cell("%galaxy put thing")


def test_wrong_password_has_one_full_stop(ip, galaxy_server, monkeypatch):
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": "not-the-password")
    with pytest.raises(UsageError) as info:
        ip.run_cell(f"%galaxy login {galaxy_server.url} --email nobody-{secrets.token_hex(3)}@example.org")
    msg = str(info.value)
    assert "failed" in msg and ".." not in msg
