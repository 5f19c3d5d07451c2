"""Training on 2 processes (torchrun, gloo on CPU) is the same training as on 1 process.

Every stage up to `direct` of the smoke recipe runs once in this process and once under
torchrun with 2 processes at the same global batch; each stage's loss curve and weights must
agree. Not bit for bit: the gradient sums run in another order, and Adam's first steps turn
differences of 1e-7 into up to ~3e-5 where a gradient is near zero (measured); so losses within
1e-5 relative and weights within 1e-4.
"""
import os
import subprocess
import sys

import pytest
import torch

from common.trainer import Trainer
from make_pack import make

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRAINED = ["ssl", "vq", "stage1", "vq_gpt", "stage2", "direct", "direct_adversarial"]


def torchrun(root, until: str, processes: int = 2):
    """make_pack.py smoke under torchrun. `--redirects 1 --tee 1` (stdout to a log file and the
    console): Debian's torch 1.13 cannot parse the default `0` on Python 3.11."""
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--redirects", "1", "--tee", "1"]
    cmd += ["--nproc_per_node", str(processes), "make_pack.py", "smoke", "--root", str(root), "--until", until]
    done = subprocess.run(cmd, cwd=HERE, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def trained(root, stage: str) -> dict:
    return torch.load(os.path.join(root, "runs", "smoke", f"{stage}.pt.ckpt"))


def assert_same_training(one: dict, two: dict, stage: str):
    module = "encoder" if stage == "ssl" else "model"
    assert len(one["losses"]) == len(two["losses"]) == one["step"], stage
    torch.testing.assert_close(torch.tensor(two["losses"]), torch.tensor(one["losses"]), rtol=1e-5, atol=0)
    for name, weight in one[module].items():
        torch.testing.assert_close(two[module][name], weight, rtol=0, atol=1e-4, msg=f"{stage}: {name}")


@pytest.fixture(scope="module")
def one_process(tmp_path_factory):
    root = tmp_path_factory.mktemp("one")
    make("smoke", until="direct", root=str(root))
    return root


def test_two_processes_train_as_one(one_process, tmp_path):
    torchrun(tmp_path, until="direct")
    for stage in TRAINED:
        assert_same_training(trained(one_process, stage), trained(tmp_path, stage), stage)
    tokens = [
        torch.load(os.path.join(r, "runs", "smoke", "codebook.pt"))["tokens"]["train"] for r in (one_process, tmp_path)
    ]
    assert torch.equal(*tokens)  # k-means shared out over the processes finds the same codebook


def test_two_processes_resume_what_one_process_started(one_process, tmp_path, monkeypatch):
    """One process stops the SSL stage after 2 of its 3 steps (its checkpoint stays); two
    processes resume it: the result equals one process's uninterrupted run."""
    monkeypatch.setattr(Trainer, "running", property(lambda self: self.step < min(2, self.cfg.steps)))
    run = make("smoke", until="ssl", root=str(tmp_path))
    assert trained(tmp_path, "ssl")["step"] == 2
    os.remove(run.path("ssl"))
    torchrun(tmp_path, until="ssl")
    assert_same_training(trained(one_process, "ssl"), trained(tmp_path, "ssl"), "ssl")
