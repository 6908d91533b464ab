"""d2r run over real material: a General Debate session and the Security Council PDFs."""

import pandas as pd
import pytest

from pipeline.aggregate.safe_csv import unneutralise
from pipeline.ingest import ingest
from tests.conftest import need_data
from tests.helpers import OUTPUT_FILES, d2r


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    session = need_data("ungdc", "Session 71 - 2016")
    pdfs = need_data("unsc-2020", "pdf")
    out = tmp_path_factory.mktemp("real") / "out"
    d2r("run", session, pdfs, "--out", out, "--workers", "2", "-q", timeout=1200)
    return out


@pytest.mark.slow
def test_all_tables_and_the_report_are_written(real_run):
    for name in OUTPUT_FILES + ("report.html",):
        assert (real_run / name).stat().st_size > 0, name
    documents = pd.read_csv(real_run / "documents.csv", keep_default_na=False)
    assert (documents["status"] == "ok").sum() >= 190
    assert set(documents.loc[documents["doc_type"] == "verbatim_record", "symbol"]) >= {"S/PV.8700", "S/PV.8699"}
    votes = pd.read_csv(real_run / "votes.csv")
    assert len(votes) == 30


@pytest.mark.slow
def test_real_findings(real_run):
    evidence = pd.read_csv(real_run / "evidence.csv", keep_default_na=False)
    syria = evidence[
        (evidence["speaker_iso3"] == "SYR")
        & (evidence["year"].astype(str) == "2016")
        & (evidence["stance"] == "accuse")
    ]
    assert set(syria["assister"]) & {"TUR", "QAT", "SAU"}, syria[["assister", "sentence"]]
    assert (syria["violation"] == "terrorism").any()
    russia = evidence[
        (evidence["speaker_iso3"] == "RUS") & (evidence["year"].astype(str) == "2016") & (evidence["stance"] == "admit")
    ]
    assert russia["sentence"].str.contains("military", case=False).any(), russia["sentence"].tolist()
    assert (russia["assister"] == "RUS").all()  # SPEAKER resolved
    states = pd.read_csv(real_run / "states.csv", keep_default_na=False)
    assert ((states["iso3"] == "TUR") & (states["role"] == "accused")).any()


@pytest.mark.slow
def test_every_evidence_sentence_is_verbatim_in_its_source(real_run):
    evidence = pd.read_csv(real_run / "evidence.csv", keep_default_na=False)
    documents = pd.read_csv(real_run / "documents.csv", keep_default_na=False)
    paths = dict(zip(documents["doc_id"], documents["path"]))
    texts = {}
    missing = []
    for row in evidence.itertuples():
        if row.doc_id not in texts:
            texts[row.doc_id] = " ".join(" ".join(ingest(paths[row.doc_id]).page_texts).split())
        if unneutralise(row.sentence) not in texts[row.doc_id]:
            missing.append(row.sentence)
    assert len(evidence) >= 80  # enough sentences for the check to mean something (100 with the shipped model)
    assert missing == []
    # and with the page it names
    for row in evidence[evidence["symbol"].str.startswith("S/PV")].head(50).itertuples():
        page = ingest(paths[row.doc_id]).page_texts[int(row.page) - 1]
        first_words = " ".join(unneutralise(row.sentence).split()[:4])
        assert first_words in " ".join(page.split()), (row.page, row.sentence)
