"""The same run on a real Dask cluster (a scheduler and two workers on loopback)."""

import pytest

from tests.helpers import d2r, digests


@pytest.mark.slow
def test_a_dask_cluster_gives_the_same_tables_as_a_local_run(tmp_path, sample_dir):
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    )
    try:
        local, remote = tmp_path / "local", tmp_path / "cluster"
        d2r("run", sample_dir, "--out", local, "-q")
        d2r("run", sample_dir, "--out", remote, "--scheduler", cluster.scheduler_address, "-q")
        with distributed.Client(cluster) as client:
            assert len(client.scheduler_info()["workers"]) == 2
        assert digests(local) == digests(remote)
    finally:
        cluster.close()


def test_an_unreachable_scheduler_is_a_clear_failure(tmp_path, sample_dir):
    proc = d2r(
        "run", sample_dir, "--out", tmp_path / "o", "--scheduler", "tcp://127.0.0.1:1", "-q", check=False, timeout=120
    )
    assert proc.returncode != 0 and "scheduler" in proc.stderr.lower() and "Traceback" not in proc.stderr
