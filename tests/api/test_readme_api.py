"""README promises that had no test (issue 15 audit; the full map is in the audit's promises.md).

Against the real Galaxy, except the retry and timeout fault paths (a scripted server). Every
expected value is written out by hand.
"""

from __future__ import annotations

import re

import pytest

from galaxy_widgets import Galaxy, local, profiles
from galaxy_widgets.api.batches import PER_ITEM
from galaxy_widgets.pairing import PairingError
from galaxy_widgets.records import Collection, Dataset
from tests.scripted import scripted

FAKE_KEY = "f00dfeedf00dfeedf00dfeedf00dfeed"  # for the scripted server only


def _fastq(n: int, length: int) -> str:
    return "".join(f"@r{i}\n{'ACGTACGT'[:length]}\n+\n{'I' * length}\n" for i in range(n))


#: name -> content; "good" is 2 pairs of 4 bases, "bad" has 3 forward but 2 reverse reads
READS = {
    "good_R1_001.fastq": _fastq(2, 4),
    "good_R2_001.fastq": _fastq(2, 4),
    "bad_R1_001.fastq": _fastq(3, 4),
    "bad_R2_001.fastq": _fastq(2, 4),
}


@pytest.fixture(scope="module")
def own(gi):
    """A history of this module's own: four FASTQs and a text, one upload job."""
    h = gi.histories.create("gw-tests readme promises")
    elements = [
        {"src": "pasted", "paste_content": t, "ext": "fastqsanger", "name": n} for n, t in READS.items()
    ]
    elements.append({"src": "pasted", "paste_content": "a note\n", "ext": "txt", "name": "notes.txt"})
    up = gi.uploads.wait(gi.uploads.fetch(h.id, elements))
    by_name = {d.name: d for d in up.datasets}
    assert sorted(by_name) == sorted([*READS, "notes.txt"])
    return h, by_name


def _jobs(gi, history_id: str) -> list[str]:
    return [j["id"] for j in gi.get("jobs", params={"history_id": history_id, "limit": 100})]


def _collections(gi, history_id: str) -> list[str]:
    return [
        i["id"]
        for i in gi.get(f"histories/{history_id}/contents", params={"v": "dev", "limit": 500})
        if i["history_content_type"] == "dataset_collection"
    ]


def _shape(coll: Collection) -> dict:
    """identifier -> dataset name (or a nested dict), read from Galaxy's collection record."""
    out = {}
    for el in coll.elements:
        obj = el.object
        out[el.identifier] = obj.name if isinstance(obj, Dataset) else _shape(obj)
    return out


# ---------------------------------------------------------------- README L116, L128-134
def test_build_from_history_datasets_pairs_them_without_a_job(gi, own):
    h, ds = own
    jobs_before = _jobs(gi, h.id)
    colls_before = _collections(gi, h.id)
    reads = [
        ds[n] for n in ("good_R2_001.fastq", "bad_R1_001.fastq", "good_R1_001.fastq", "bad_R2_001.fastq")
    ]

    built = gi.collections.build(h.id, reads, name="run pairs")
    assert built.collection_type == "list:paired" and built.name == "run pairs"
    assert _shape(gi.collections.show(built.id)) == {
        "bad": {"forward": "bad_R1_001.fastq", "reverse": "bad_R2_001.fastq"},
        "good": {"forward": "good_R1_001.fastq", "reverse": "good_R2_001.fastq"},
    }
    assert _jobs(gi, h.id) == jobs_before  # datasets already in the history: no job

    # a mate without its partner is refused by name, and nothing is made
    with pytest.raises(PairingError, match=r"'bad_R1_001.fastq' has no mate"):
        gi.collections.build(h.id, reads[:3], name="three reads")
    assert len(_collections(gi, h.id)) == len(colls_before) + 1


def test_build_from_a_filter_a_dict_and_other_collections(gi, own):
    h, ds = own
    jobs_before = _jobs(gi, h.id)
    # a history filter: the four FASTQs, not the text
    by_filter = gi.collections.build(h.id, "extension:fastqsanger type:dataset", name="by filter")
    assert _shape(gi.collections.show(by_filter.id)) == {
        "bad": {"forward": "bad_R1_001.fastq", "reverse": "bad_R2_001.fastq"},
        "good": {"forward": "good_R1_001.fastq", "reverse": "good_R2_001.fastq"},
    }
    # a dict: identifiers as given; a dict of dicts: a nested list:list
    flat = gi.collections.build(h.id, {"x": ds["notes.txt"], "y": ds["good_R1_001.fastq"]}, name="flat")
    assert flat.collection_type == "list"
    assert _shape(gi.collections.show(flat.id)) == {"x": "notes.txt", "y": "good_R1_001.fastq"}
    nested = gi.collections.build(
        h.id, {"g1": {"a": ds["notes.txt"]}, "g2": {"b": ds["bad_R2_001.fastq"]}}, name="nested"
    )
    assert nested.collection_type == "list:list"
    assert _shape(gi.collections.show(nested.id)) == {
        "g1": {"a": "notes.txt"},
        "g2": {"b": "bad_R2_001.fastq"},
    }
    # other collections: two pairs become a list:paired named after them
    p1 = gi.collections.build(
        h.id, {"forward": ds["good_R1_001.fastq"], "reverse": ds["good_R2_001.fastq"]}, name="p1"
    )
    p2 = gi.collections.build(
        h.id, {"forward": ds["bad_R1_001.fastq"], "reverse": ds["bad_R2_001.fastq"]}, name="p2"
    )
    assert (p1.collection_type, p2.collection_type) == ("paired", "paired")
    pairs = gi.collections.build(h.id, [p2, p1], name="pairs")
    assert pairs.collection_type == "list:paired"
    assert _shape(gi.collections.show(pairs.id)) == {
        "p2": {"forward": "bad_R1_001.fastq", "reverse": "bad_R2_001.fastq"},
        "p1": {"forward": "good_R1_001.fastq", "reverse": "good_R2_001.fastq"},
    }
    # single-end names lose their extension unless keep_names=True
    assert [e.identifier for e in gi.collections.build(h.id, [ds["notes.txt"]], name="n1").elements] == [
        "notes"
    ]
    kept = gi.collections.build(h.id, [ds["notes.txt"]], name="n2", keep_names=True)
    assert [e.identifier for e in kept.elements] == ["notes.txt"]
    assert _jobs(gi, h.id) == jobs_before


# ---------------------------------------------------------------- README L124, L138
def test_batch_samples_and_per_item_tag(gi, own, demo_workflows, tmp_path, monkeypatch):
    monkeypatch.setenv("GALAXY_WIDGETS_STATE_DIR", str(tmp_path))  # the per-item ledger
    h, ds = own
    wf = demo_workflows["count_read_pairs"]
    good = [ds["good_R1_001.fastq"], ds["good_R2_001.fastq"]]
    bad = [ds["bad_R1_001.fastq"], ds["bad_R2_001.fastq"]]
    mapped = gi.batches.run(wf, good + bad, history=h, name="readme samples")
    per_item = gi.batches.run(wf, good, mode=PER_ITEM, name="readme tag")

    # every per-item history carries the tag gw_batch:<batch id>, as Galaxy itself reports it
    [hist] = set(per_item.histories.values())
    assert per_item.id.startswith("batch-")
    assert gi.get(f"histories/{hist}")["tags"] == [f"gw_batch:{per_item.id}"]

    mapped.wait(timeout=900)
    by_sample = {s.sample: s for s in mapped.samples()}
    assert sorted(by_sample) == ["bad", "good"]
    ok, failed = by_sample["good"], by_sample["bad"]
    assert (ok.state, ok.error, ok.stderr) == ("ok", "", "")
    assert ok.invocation_id == mapped.invocation_id and ok.history_id == h.id
    assert gi.datasets.text(ok.outputs["counts"].id) == "#pairs\tbases\n2\t16\n"
    assert failed.state == "error"
    assert "mates out of step: 3 forward reads but 2 reverse reads" in failed.stderr
    assert "mates out of step" in failed.error


# ---------------------------------------------------------------- README L84
def test_a_page_and_its_total_are_one_request(gi, own):
    h, _ = own
    sent: list[str] = []
    hook = lambda r, *a, **k: sent.append(f"{r.request.method} {r.request.url}")  # noqa: E731
    gi.session.hooks["response"].append(hook)
    try:
        page = gi.histories.contents(h.id, "extension:fastqsanger type:dataset").page(0, 3)
    finally:
        gi.session.hooks["response"].remove(hook)
    assert len(sent) == 1, sent
    assert len(page.items) == 3 and page.total == 4  # the four FASTQs, three on the page


# ---------------------------------------------------------------- README L47
def test_password_login_on_the_main_server_stores_only_the_key(galaxy_server, gi, tmp_path, monkeypatch):
    if not galaxy_server.admin_password:
        pytest.skip("this test server has no known password")
    monkeypatch.setenv("GALAXY_WIDGETS_CONFIG_DIR", str(tmp_path / "cfg"))
    email = gi.users.current().email
    by_password = Galaxy(galaxy_server.url, email=email, password=galaxy_server.admin_password)
    assert by_password.users.current().email == email
    by_password.save_profile("pw")
    saved = profiles.profiles_file().read_text()
    assert galaxy_server.admin_password not in saved
    assert re.search(r'"api_key":\s*"\w+"', saved)  # the key it was exchanged for
    assert galaxy_server.admin_password not in repr(vars(by_password))
    assert Galaxy(profile="pw").users.current().email == email  # and that key works alone


# ---------------------------------------------------------------- README L104-105 (fault paths)
def _client(url: str, **kw) -> Galaxy:
    gi = Galaxy(url, api_key=FAKE_KEY, **kw)
    for adapter in gi.session.adapters.values():  # no real backoff sleeps
        adapter.max_retries.backoff_factor = 0
    return gi


def test_504_is_retried_and_put_delete_retried_like_get():
    with scripted(("json", 504, {}), ("json", 200, {"version_major": "26.1"})) as s:
        assert _client(s.url).get("version") == {"version_major": "26.1"}
        assert [m for m, _, _ in s.seen] == ["GET", "GET"]
    with scripted(("json", 503, {}), ("json", 200, {"name": "y"})) as s:
        assert _client(s.url).put("histories/0123456789abcdef", json={"name": "y"}) == {"name": "y"}
        assert [m for m, _, _ in s.seen] == ["PUT", "PUT"]
    with scripted(("json", 502, {}), ("json", 200, {"deleted": True})) as s:
        assert _client(s.url).delete("histories/0123456789abcdef") == {"deleted": True}
        assert [m for m, _, _ in s.seen] == ["DELETE", "DELETE"]


def test_every_request_carries_the_60_s_default_timeout(monkeypatch):
    import requests.adapters

    timeouts: list = []
    real_send = requests.adapters.HTTPAdapter.send

    def send(self, request, **kwargs):
        timeouts.append(kwargs.get("timeout"))
        return real_send(self, request, **kwargs)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", send)
    with scripted(("json", 200, {"ok": 1})) as s:
        gi = Galaxy(s.url, api_key=FAKE_KEY)
        gi.get("version")
        gi.post("histories", json={"name": "x"})
        gi.put("histories/0123456789abcdef", json={"name": "y"})
    assert timeouts == [60, 60, 60]


# ---------------------------------------------------------------- README L416-420
def test_toolbox_counts_match_readme_and_docs(gi, galaxy_server):
    conf = local.TOOL_CONF.read_text()
    per_section = {
        m.group(1): len(re.findall(r"<tool ", m.group(2)))
        for m in re.finditer(r'<section id="(\w+)"[^>]*>(.*?)</section>', conf, re.S)
    }
    assert per_section.pop("collection_operations") == 27
    assert sum(per_section.values()) == 60
    own_tools = {"gw_count_pairs", "gw_fail", "gw_head", "gw_sleep", "gw_sort", "gw_stats"}
    assert {p.stem for p in local.LOCAL_TOOLS.glob("*.xml")} == own_tools
    ids = {t.id for t in gi.tools.list()}
    if galaxy_server.local is None and "join1" not in ids:
        pytest.skip("the session uses an external Galaxy without the local Galaxy's toolbox")
    assert {i for i in ids if i.startswith("gw_")} == own_tools


# ---------------------------------------------------------------- README L147-148
CAT_WORKFLOW = """class: GalaxyWorkflow
label: gw-tests readme cat
inputs:
  text:
    type: data
    format: [txt]
outputs:
  joined:
    outputSource: cat/out_file1
steps:
  cat:
    tool_id: cat1
    in:
      input1: text
"""


def test_batch_results_give_text_outputs_as_a_column_of_values(gi, own, tmp_path):
    h, ds = own
    path = tmp_path / "readme_cat.gxwf.yml"
    path.write_text(CAT_WORKFLOW)
    wf = gi.workflows.import_(path, reuse=True)
    batch = gi.batches.run(wf, {"note": ds["notes.txt"], "reads": ds["good_R1_001.fastq"]}, history=h)
    frame = batch.wait(timeout=600).results()
    rows = frame.set_index("sample")[["state", "joined"]].sort_index()
    assert rows.to_dict("index") == {
        "note": {"state": "ok", "joined": "a note\n"},
        "reads": {"state": "ok", "joined": READS["good_R1_001.fastq"]},
    }


# ---------------------------------------------------------------- README L428
def test_local_galaxy_without_celery_writes_galaxys_default(tmp_path):
    import yaml

    with_celery = yaml.safe_load(local.LocalGalaxy(tmp_path / "a")._write_config(8001, "b" * 32).read_text())
    without = yaml.safe_load(
        local.LocalGalaxy(tmp_path / "b", celery=False)._write_config(8002, "b" * 32).read_text()
    )
    assert with_celery["galaxy"]["metadata_strategy"] == "directory_celery"
    assert str(with_celery["galaxy"]["enable_celery_tasks"]).lower() == "true"
    assert "metadata_strategy" not in without["galaxy"]  # Galaxy's default: a process per job
    assert str(without["galaxy"]["enable_celery_tasks"]).lower() == "false"


# ---------------------------------------------------------------- README L80
def test_pasted_texts_are_many_datasets_in_one_job(gi, own):
    h, _ = own
    up = gi.uploads.texts(
        h.id, {"t1.tsv": "#k\nb\na\n", "t2.tsv": "#k\nz\n", "t3.tsv": "#k\n"}, ext="tabular"
    )
    assert len(up.job_ids) == 1
    done = gi.uploads.wait(up)
    assert {d.name: gi.datasets.text(d.id) for d in done.datasets} == {
        "t1.tsv": "#k\nb\na\n",
        "t2.tsv": "#k\nz\n",
        "t3.tsv": "#k\n",
    }
