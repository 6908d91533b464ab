"""d2r run on the bundled sample: tables, determinism, cache, safe CSV, clear failures."""

import csv
import shutil

import pandas as pd
import pytest

from pipeline.aggregate.safe_csv import neutralise, unneutralise, write_csv
from tests.helpers import OUTPUT_FILES, ROOT, d2r, digests


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory, sample_dir):
    out = tmp_path_factory.mktemp("sample") / "out"
    proc = d2r("run", sample_dir, "--out", out, "-q")
    assert "report at" in proc.stdout
    return out


def test_every_table_is_written_with_the_spec_columns(sample_run):
    for name in OUTPUT_FILES:
        assert (sample_run / name).exists(), name
    header = lambda name: next(csv.reader(open(sample_run / name, encoding="utf-8")))
    assert (
        header("documents.csv")
        == "doc_id path sha256 symbol body doc_type date title pages language engine status error".split()
    )
    assert (
        header("speeches.csv")
        == "doc_id symbol seq speaker delegation iso3 role spoke_in page_start page_end n_words text".split()
    )
    assert header("votes.csv") == "doc_id symbol vote_seq subject outcome resolution state iso3 vote source".split()
    assert header("decisions.csv") == "doc_id symbol seq subject outcome resolution method yes no abstain page".split()
    assert (
        header("clauses.csv")[:11]
        == "doc_id symbol para kind verb text refrain addressee mode assistance target".split()
    )
    assert header("errors.csv") == ["path", "stage", "reason"]
    evidence_columns = header("evidence.csv")
    for column in (
        "evidence_id doc_id symbol date year speaker speaker_iso3 stance confidence assister assisted "
        "assistance violation legal_basis page sentence context model"
    ).split():
        assert column in evidence_columns
    sentences = pd.read_parquet(sample_run / "sentences.parquet")
    assert {"doc_id", "seq", "page", "start", "end", "text"} <= set(sentences.columns)


def test_the_sample_tells_the_story(sample_run):
    documents = pd.read_csv(sample_run / "documents.csv")
    assert sorted(documents["doc_type"]) == ["resolution", "statement", "verbatim_record"]
    votes = pd.read_csv(sample_run / "votes.csv")
    assert set(votes["outcome"]) == {"vetoed"} and len(votes) == 15
    clauses = pd.read_csv(sample_run / "clauses.csv")
    refrain = clauses[clauses["refrain"]]
    assert set(refrain["para"].astype(str)) == {"2", "3", "4"}
    # Paragraph 2 "shall prevent the supply ... of arms" is a ban on supplies: `embargo` (corpora/clauses/README.md).
    assert set(refrain["mode"]) == {"embargo", "refrain", "non-recognition"}
    assert refrain["legal_basis"].str.contains("UNSC-embargo|ARSIWA-41", regex=True).all()
    evidence = pd.read_csv(sample_run / "evidence.csv", keep_default_na=False)
    syria = evidence[(evidence["speaker_iso3"] == "SYR")]
    assert "accuse" in set(syria["stance"])
    assert "TUR" in set(syria["assister"])
    # SPEAKER is resolved to the speaker's own code in the tables.
    assert "SPEAKER" not in set(evidence.loc[evidence["speaker_iso3"] != "", "assister"])
    assert evidence["legal_basis"].str.contains("ARSIWA-16").all()
    states = pd.read_csv(sample_run / "states.csv", keep_default_na=False)
    assert {"speaker", "accused"} <= set(states["role"])
    html = (sample_run / "report.html").read_text(encoding="utf-8")
    for section in ("summary", "stances", "network", "clauses", "votes", "evidence", "errors"):
        assert f'id="{section}"' in html
    assert "http://" not in html.replace("http://documents.un.org", "") and "https://" not in html


def test_evidence_ids_are_stable_and_sentences_verbatim(sample_run, tmp_path, sample_dir):
    from pipeline.ingest import ingest

    evidence = pd.read_csv(sample_run / "evidence.csv", keep_default_na=False)
    documents = pd.read_csv(sample_run / "documents.csv", keep_default_na=False)
    texts = {
        row.doc_id: " ".join(" ".join(ingest(ROOT / row.path).page_texts).split()) for row in documents.itertuples()
    }
    for row in evidence.itertuples():
        assert unneutralise(row.sentence) in texts[row.doc_id]


def test_two_runs_are_byte_identical_and_the_second_uses_the_cache(sample_run, tmp_path, sample_dir):
    out = tmp_path / "again"
    first = d2r("run", sample_dir, "--out", out, "-q")
    assert "3 processed" in first.stdout
    again = d2r("run", sample_dir, "--out", out, "-q")
    assert "0 processed, 3 from cache" in again.stdout
    assert digests(out) == digests(sample_run)


def test_parallel_workers_give_the_same_tables(sample_run, tmp_path, sample_dir):
    out = tmp_path / "two"
    d2r("run", sample_dir, "--out", out, "--workers", "2", "-q")
    assert digests(out) == digests(sample_run)


def test_adding_a_file_processes_only_that_file(tmp_path, sample_dir):
    inputs = tmp_path / "in"
    shutil.copytree(sample_dir, inputs)
    out = tmp_path / "out"
    d2r("run", inputs, "--out", out, "-q")
    before = pd.read_csv(out / "evidence.csv")
    (inputs / "new.txt").write_text(
        "Certain States continue to arm the militias that attack civilians in Darfur.\n", encoding="utf-8"
    )
    proc = d2r("run", inputs, "--out", out, "-q")
    assert "1 processed, 3 from cache" in proc.stdout
    after = pd.read_csv(out / "evidence.csv")
    assert len(pd.concat([before, after]).drop_duplicates()) == len(after)
    # The rerun took the old documents' sentences from the last sentences.parquet:
    # every table equals a run from scratch over the same four files.
    fresh = tmp_path / "fresh"
    d2r("run", inputs, "--out", fresh, "-q")
    assert digests(out) == digests(fresh)


def test_a_file_rewritten_in_place_with_its_old_times_is_read_again(tmp_path):
    import os

    inputs = tmp_path / "in"
    inputs.mkdir()
    speech = inputs / "SYR_71_2016.txt"
    speech.write_text("Turkey continues to arm the terrorist groups in our country.\n", encoding="utf-8")
    out = tmp_path / "out"
    d2r("run", inputs, "--out", out, "-q")
    before = speech.stat()
    speech.write_text("Turkey continues to arm the terrorist groups in our cities!!\n", encoding="utf-8")  # same size
    os.utime(speech, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert speech.stat().st_size == before.st_size and speech.stat().st_mtime_ns == before.st_mtime_ns
    proc = d2r("run", inputs, "--out", out, "-q")
    assert "1 processed" in proc.stdout
    assert "cities" in " ".join(pd.read_parquet(out / "sentences.parquet")["text"])


def test_sentences_follow_the_new_order_when_inputs_move(tmp_path, sample_dir):
    """Moved inputs keep their cache but change the document order: the last file is not merged blindly."""
    inputs = tmp_path / "in"
    files = sorted(p for p in sample_dir.iterdir() if p.is_file())
    for folder, chosen in (("a", files[:2]), ("b", files[2:])):
        (inputs / folder).mkdir(parents=True)
        for f in chosen:
            shutil.copy(f, inputs / folder / f.name)
    out = tmp_path / "out"
    d2r("run", inputs, "--out", out, "-q")
    (inputs / "a").rename(inputs / "c")  # now b's documents come first
    proc = d2r("run", inputs, "--out", out, "-q")
    assert "0 processed, 3 from cache" in proc.stdout
    fresh = tmp_path / "fresh"
    d2r("run", inputs, "--out", fresh, "-q")
    assert digests(out)["sentences.parquet"] == digests(fresh)["sentences.parquet"]
    order = pd.read_parquet(out / "sentences.parquet")["doc_id"].drop_duplicates().tolist()
    documents = pd.read_csv(out / "documents.csv")
    assert order == [d for d in documents["doc_id"] if d in set(order)]


def test_sentences_are_not_reused_from_a_file_someone_changed(tmp_path, sample_dir):
    inputs = tmp_path / "in"
    shutil.copytree(sample_dir, inputs)
    out = tmp_path / "out"
    d2r("run", inputs, "--out", out, "-q")
    reference = digests(out)
    sentences = pd.read_parquet(out / "sentences.parquet")
    sentences.assign(text="tampered").to_parquet(out / "sentences.parquet")
    (inputs / "new.txt").write_text(
        "Certain States continue to arm the militias that attack civilians in Darfur.\n", encoding="utf-8"
    )
    d2r("run", inputs, "--out", out, "-q")
    (inputs / "new.txt").unlink()
    d2r("run", inputs, "--out", out, "-q")
    assert digests(out) == reference
    assert "tampered" not in set(pd.read_parquet(out / "sentences.parquet")["text"])


def test_csv_injection_is_neutralised(tmp_path):
    frame = pd.DataFrame(
        {"text": ["=cmd|' /C calc'!A0", "+1", "-2 words", "@SUM(A1)", "\tx", "plain"], "n": [1, 2, 3, 4, 5, 6]}
    )
    write_csv(frame, tmp_path / "t.csv", ["text", "n"])
    read = list(csv.reader(open(tmp_path / "t.csv", encoding="utf-8")))
    assert [r[0] for r in read[1:]] == ["'=cmd|' /C calc'!A0", "'+1", "'-2 words", "'@SUM(A1)", "'\tx", "plain"]
    assert [r[1] for r in read[1:]] == ["1", "2", "3", "4", "5", "6"]
    assert unneutralise(neutralise("=1+1")) == "=1+1"


def test_clear_failures(tmp_path, sample_dir):
    missing = d2r("run", sample_dir, "--out", tmp_path / "o", "--model", tmp_path / "none.skops", check=False)
    assert missing.returncode != 0
    assert missing.stderr.strip().count("\n") == 0 and "model not found" in missing.stderr
    assert "Traceback" not in missing.stderr
    blocked = tmp_path / "file"
    blocked.write_text("x")
    notdir = d2r("run", sample_dir, "--out", blocked / "sub", check=False)
    assert notdir.returncode != 0 and "output folder" in notdir.stderr and "Traceback" not in notdir.stderr
    nothing = d2r("run", tmp_path / "nowhere", "--out", tmp_path / "o2", check=False)
    assert nothing.returncode != 0 and "no such input" in nothing.stderr


def test_help_explains_every_command():
    proc = d2r("--help")
    for command in ("run", "classify", "train", "evaluate", "annotate", "report"):
        assert command in proc.stdout
    assert "--workers" in d2r("run", "--help").stdout


def test_classify_and_evaluate_commands(tmp_path):
    import json

    source = tmp_path / "in.jsonl"
    rows = [
        {
            "id": "1",
            "text": "Iran continues to supply weapons to the Houthis.",
            "speaker": "Saudi Arabia",
            "stance": "accuse",
        },
        {"id": "2", "text": "We have provided humanitarian aid to refugees.", "speaker": "NOR", "stance": "none"},
    ]
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    d2r("classify", source, "--out", out)
    result = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in result] == ["1", "2"]
    assert result[0]["stance"] == "accuse" and result[0]["assister"] == "IRN" and result[0]["assisted"] == "Houthis"
    assert set(result[0]["scores"]) == {"affirm", "accuse", "deny", "admit", "none"}
    assert result[1]["stance"] == "none"
    report = json.loads(d2r("evaluate", source, "--json").stdout)
    assert report["per_label"]["accuse"]["support"] == 1 and len(report["confusion"]) == 5
    assert "macro-F1" in d2r("evaluate", source).stdout


def test_report_command_rebuilds_from_the_tables(sample_run, tmp_path):
    out = tmp_path / "copy"
    shutil.copytree(sample_run, out)
    (out / "report.html").unlink()
    d2r("report", out)
    assert 'id="evidence"' in (out / "report.html").read_text(encoding="utf-8")


def test_nothing_is_written_outside_out(tmp_path, sample_dir):
    inputs = tmp_path / "in"
    shutil.copytree(sample_dir, inputs)

    def snapshot():
        return {str(p.relative_to(tmp_path)): p.stat().st_mtime_ns for p in tmp_path.rglob("*") if "out" not in p.parts}

    before = snapshot()
    d2r("run", inputs, "--out", tmp_path / "out", "-q")
    assert snapshot() == before
    assert (tmp_path / "out" / "evidence.csv").exists()


def test_a_file_name_is_part_of_the_document(tmp_path):
    # Same bytes under two General Debate names are two speeches by two States.
    inputs = tmp_path / "in"
    inputs.mkdir()
    text = "Certain neighbouring States continue to arm and finance the terrorist groups that attack our villages.\n"
    for name in ("USA_76_2021.txt", "FRA_76_2021.txt"):
        (inputs / name).write_text(text, encoding="utf-8")
    (inputs / "notes.md").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    d2r("run", inputs, "--out", out, "-q")
    documents = pd.read_csv(out / "documents.csv", keep_default_na=False)
    assert sorted(documents["status"]) == ["ok", "ok"]
    errors = pd.read_csv(out / "errors.csv", keep_default_na=False)
    assert list(errors["path"]) == [str(inputs / "notes.md")]
    evidence = pd.read_csv(out / "evidence.csv", keep_default_na=False)
    assert sorted(evidence["speaker_iso3"]) == ["FRA", "USA"]
    assert evidence["evidence_id"].is_unique
    # Renaming a file is a new document: its State follows the new name.
    (inputs / "FRA_76_2021.txt").rename(inputs / "DEU_76_2021.txt")
    d2r("run", inputs, "--out", out, "-q")
    evidence = pd.read_csv(out / "evidence.csv", keep_default_na=False)
    assert sorted(evidence["speaker_iso3"]) == ["DEU", "USA"]


def test_the_report_quotes_the_least_precise_sample_that_still_fits_the_model():
    """The shipped cascade keeps the linear stage's rows, so the linear stage's sample still agrees
    with it (64%) while a draw of the cascade's own rows says less; the report must say the less."""
    import json

    from pipeline.aggregate.report import _precision_note

    samples = json.loads((ROOT / "models" / "stance" / "card.json").read_text())["metrics"]["running_text_precision"]
    shares = sorted({s["share"] for s in samples["samples"] if not s["stale"]})
    assert len(shares) >= 2, "the card should hold more than one current sample"
    note = _precision_note()
    assert f"{min(shares):.0%} of its rows" in note and f"{max(shares):.0%} of its rows" not in note
