"""Remote storage: a run pushed to a DVC remote comes back in a fresh clone, byte for byte, with nothing to recompute.

The small pipeline runs once for the module; each test clones that repo, adds a remote, pushes, clones again with
an empty cache and pulls. S3 is moto's server on 127.0.0.1; the shared directory stands in for an NFS mount.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest
import yaml
from moto.server import ThreadedMotoServer

from tests.pipeline import conftest as pipeline

pytestmark = pytest.mark.slow

Runner = Callable[..., subprocess.CompletedProcess]

SMALL_RUN = {"cv.folds": [0, 1], **pipeline.SMALL_TRAINING}  # two folds of the end-to-end tests' small training
KEY_ID, SECRET = "fvc-test-key-id", "fvc-test-secret"  # moto takes any credentials
BUCKET = "fvc-remote"


def _runner(cwd: Path, env: dict[str, str]) -> Runner:
    """Run commands in ``cwd`` with ``env``; a failure raises with the command's output. ``.root`` is ``cwd``."""

    def run(cmd: list[str], check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
        if check and proc.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
        return proc

    run.root = cwd  # type: ignore[attr-defined]
    return run


@pytest.fixture(scope="module")
def base_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The pipeline tests' environment without any AWS settings of the host: no credentials unless a test adds them."""
    folder = tmp_path_factory.mktemp("env")
    env = {k: v for k, v in pipeline.dvc_environment(folder).items() if not k.startswith("AWS_")}
    env["AWS_CONFIG_FILE"] = env["AWS_SHARED_CREDENTIALS_FILE"] = str(folder / "no-aws-files")
    return env


@pytest.fixture(scope="module")
def reproduced(tmp_path_factory: pytest.TempPathFactory, base_env: dict[str, str]) -> Runner:
    """A repo copy with tiny corpora where the small pipeline ran once and its results are committed."""
    folder = tmp_path_factory.mktemp("reproduced")
    run = pipeline.copy_repo(folder, base_env)  # git repo, tiny corpora added and committed
    pipeline.set_params(run.root, **SMALL_RUN)
    run(["dvc", "repro"])
    run(["git", "add", "-A"])
    run(["git", "commit", "-qm", "a small run"])
    return run


@pytest.fixture
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on a free port of 127.0.0.1 with an empty bucket; yields its URL, stops it afterwards."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        s3 = boto3.client(
            "s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET
        )
        s3.create_bucket(Bucket=BUCKET)
        yield url
    finally:
        server.stop()


def clone_sharing_cache(reproduced: Runner, path: Path, env: dict[str, str]) -> Runner:
    """A git clone of the reproduced repo that uses its DVC cache: pushing from it needs no checkout."""
    reproduced(["git", "clone", "-q", str(reproduced.root), str(path)])
    run = _runner(path, env)
    run(["dvc", "cache", "dir", "--local", str(reproduced.root / ".dvc" / "cache")])
    return run


def fresh_clone(origin: Runner, path: Path, env: dict[str, str]) -> Runner:
    """A git clone of ``origin`` with a new, empty DVC cache of its own."""
    origin(["git", "clone", "-q", str(origin.root), str(path)])
    run = _runner(path, env)
    cache = path.parent / f"{path.name}-cache"
    run(["dvc", "cache", "dir", "--local", str(cache)])
    assert not cache.exists(), "the clone's cache should start empty"
    return run


def committed_config(run: Runner) -> str:
    """The committed `.dvc/config` (HEAD's), which every clone gets."""
    return run(["git", "show", "HEAD:.dvc/config"]).stdout


def assert_no_credentials(config: str) -> None:
    """A config meant for git holds no key id, no secret key and none of the test's credential values."""
    for secret in ("access_key_id", "secret_access_key", "session_token", KEY_ID, SECRET):
        assert secret not in config, f"{secret!r} in the committed .dvc/config"


def output_paths(root: Path) -> list[str]:
    """Every path DVC tracks: the `.dvc` files' outputs and every stage output in dvc.lock."""
    paths = []
    for dvcfile in sorted(p for p in root.glob("*.dvc") if p.is_file()):  # not the .dvc folder
        paths += [out["path"] for out in yaml.safe_load(dvcfile.read_text())["outs"]]
    for stage in yaml.safe_load((root / "dvc.lock").read_text())["stages"].values():
        paths += [out["path"] for out in stage.get("outs", [])]
    return paths


def digests(root: Path, rel: str) -> dict[str, str]:
    """SHA-256 of every file under ``root/rel`` (or of that file), keyed by path relative to ``root``."""
    top = root / rel
    files = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def assert_clone_has_the_run(reproduced: Runner, clone: Runner) -> None:
    """After `dvc pull` the clone is up to date, reruns nothing and holds the pushed outputs byte for byte."""
    assert json.loads(clone(["dvc", "status", "--json"]).stdout) == {}
    repro = clone(["dvc", "repro"]).stdout
    assert "Data and pipelines are up to date" in repro and "Running stage" not in repro, repro
    paths = output_paths(reproduced.root)
    assert "models/fold_0" in paths and "data/index/cache" in paths  # persist outputs are tracked and pulled too
    for rel in paths:
        assert (clone.root / rel).exists(), f"{rel} missing after dvc pull"
        assert digests(clone.root, rel) == digests(reproduced.root, rel), f"{rel} differs after dvc pull"
    for metrics in ("results/metrics.json", "results/crosseval/metrics.json"):
        got, pushed = (json.loads((r.root / metrics).read_text()) for r in (clone, reproduced))
        assert got == pushed, metrics
    checkpoint = "models/fold_0/best.pt"
    assert (clone.root / checkpoint).read_bytes() == (reproduced.root / checkpoint).read_bytes()
    assert clone(["git", "status", "--porcelain"]).stdout == ""  # pulled files and config.local are git-ignored


def test_an_s3_remote_gives_a_fresh_clone_the_committed_run(
    reproduced: Runner, s3_endpoint: str, base_env: dict[str, str], tmp_path: Path
) -> None:
    """Push with credentials from the environment, pull with credentials in config.local: neither reaches git."""
    pusher_env = {**base_env, "AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET}
    producer = clone_sharing_cache(reproduced, tmp_path / "producer", pusher_env)
    producer(["dvc", "remote", "add", "-d", "store", f"s3://{BUCKET}/fvc"])
    producer(["dvc", "remote", "modify", "store", "endpointurl", s3_endpoint])
    producer(["git", "commit", "-qam", "an S3 remote"])
    config = committed_config(producer)  # the project config (.dvc/config), not config.local
    assert f"url = s3://{BUCKET}/fvc" in config and f"endpointurl = {s3_endpoint}" in config
    assert_no_credentials(config)
    producer(["dvc", "push"])
    assert json.loads(producer(["dvc", "status", "--cloud", "--json"]).stdout) == {}

    consumer = fresh_clone(producer, tmp_path / "consumer", base_env)  # no AWS variables here
    consumer(["dvc", "remote", "modify", "--local", "store", "access_key_id", KEY_ID])
    consumer(["dvc", "remote", "modify", "--local", "store", "secret_access_key", SECRET])
    consumer(["dvc", "pull"])
    assert_clone_has_the_run(reproduced, consumer)
    assert SECRET in (consumer.root / ".dvc/config.local").read_text()
    assert_no_credentials((consumer.root / ".dvc/config").read_text())


def test_a_shared_directory_remote_gives_a_fresh_clone_the_committed_run(
    reproduced: Runner, base_env: dict[str, str], tmp_path: Path
) -> None:
    """A folder every node mounts (NFS) as the remote: the same push, clone, pull round trip."""
    store = tmp_path / "nfs" / "fvc"
    producer = clone_sharing_cache(reproduced, tmp_path / "producer", base_env)
    producer(["dvc", "remote", "add", "-d", "shared", str(store)])
    producer(["git", "commit", "-qam", "a shared-directory remote"])
    assert f"url = {store}" in committed_config(producer)
    producer(["dvc", "push"])
    assert json.loads(producer(["dvc", "status", "--cloud", "--json"]).stdout) == {}
    assert any(p.is_file() for p in store.rglob("*"))

    consumer = fresh_clone(producer, tmp_path / "consumer", base_env)
    consumer(["dvc", "pull"])
    assert_clone_has_the_run(reproduced, consumer)
