"""A one-node SLURM cluster for the tests: slurmctld and slurmd as child processes, configured in a temp dir."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pipeline.conftest import dvc_env, repo_copy  # noqa: F401  (fixtures for tests here: a repo copy)

SLURM_PROGRAMS = ("slurmctld", "slurmd", "sbatch", "sinfo", "scancel")
SBIN = "/usr/local/sbin:/usr/sbin:/sbin"  # the daemons live in sbin, often not on a user's PATH
START_DEADLINE_S = 60


def find_slurm() -> dict[str, str]:
    """The SLURM programs' paths; skips the test when one is missing, or fails it when FVC_REQUIRE_SLURM=1 (CI)."""
    found = {name: shutil.which(name) or shutil.which(name, path=SBIN) for name in SLURM_PROGRAMS}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        reason = (
            f"SLURM is not installed ({', '.join(missing)} not found);"
            " apt-get install --no-install-recommends slurmctld slurmd slurm-client"
        )
        if os.environ.get("FVC_REQUIRE_SLURM") == "1":
            pytest.fail(f"{reason} (FVC_REQUIRE_SLURM=1: CI must not skip this)", pytrace=False)
        pytest.skip(reason)
    return {name: str(path) for name, path in found.items()}


def free_ports(n: int) -> list[int]:
    """``n`` distinct TCP ports that were free a moment ago (all held open while choosing)."""
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def write_slurm_conf(root: Path, cpus: int = 2) -> Path:
    """A one-node slurm.conf (node `localhost`, partition `debug`) with every state, spool, pid and log path
    under ``root``; no munge (auth/none), no cgroups. Returns its path."""
    for sub in ("state", "spool", "log"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    ctld_port, d_port = free_ports(2)
    user = getpass.getuser()
    conf = root / "slurm.conf"
    conf.write_text(
        f"""\
ClusterName=fvctest
SlurmctldHost=localhost
SlurmUser={user}
SlurmdUser={user}
SlurmctldPort={ctld_port}
SlurmdPort={d_port}
AuthType=auth/none
CredType=cred/none
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/log/slurmctld.log
SlurmdLogFile={root}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
# sbatch --wait polls every 2 s while this is small, 32 s apart otherwise (minutes on a test of seconds)
MinJobAge=4
NodeName=localhost CPUs={cpus} RealMemory=2000 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
"""
    )
    return conf


def _tail(path: Path, lines: int = 15) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else "(no log)"


@pytest.fixture(scope="module")
def slurm_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A running one-node, 2-CPU SLURM cluster; yields the environment its clients (sbatch, sinfo, ...) need:
    {"SLURM_CONF": path}. Jobs left over are cancelled and the daemons stopped at teardown."""
    programs = find_slurm()
    root = tmp_path_factory.mktemp("slurm")
    conf = write_slurm_conf(root)
    env = dict(os.environ, SLURM_CONF=str(conf))
    daemons = {
        "slurmctld": [programs["slurmctld"], "-D", "-c", "-f", str(conf)],
        "slurmd": [programs["slurmd"], "-D", "-N", "localhost", "-f", str(conf)],
    }
    procs: dict[str, subprocess.Popen] = {}
    try:
        for name, cmd in daemons.items():
            with open(root / "log" / f"{name}.out", "w") as out:
                procs[name] = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_DEADLINE_S
        state = ""
        while state != "idle":
            for name, proc in procs.items():
                if proc.poll() is not None:
                    pytest.fail(f"{name} exited {proc.returncode}:\n{_tail(root / 'log' / f'{name}.out')}")
            if time.monotonic() > deadline:
                logs = "\n".join(f"--- {n}\n{_tail(root / 'log' / f'{n}.log')}" for n in daemons)
                pytest.fail(f"the SLURM node is {state or 'unreachable'} after {START_DEADLINE_S} s\n{logs}")
            sinfo = [programs["sinfo"], "--noheader", "--nodes=localhost", "--format=%T"]
            state = subprocess.run(sinfo, env=env, capture_output=True, text=True, timeout=10).stdout.strip()
            if state != "idle":
                time.sleep(0.2)  # a poll interval, bounded by the deadline
        yield {"SLURM_CONF": str(conf)}
    finally:
        if procs:
            subprocess.run([programs["scancel"], "--quiet", "--full", f"--user={getpass.getuser()}"], env=env)
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
