"""``core.doctor``'s torch check on machines this one is not: a CUDA build with no usable GPU,
and a GPU whose free memory cannot be read."""

from __future__ import annotations

import pytest
import torch

from core.doctor import _torch


def test_a_cuda_build_without_a_gpu_is_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.version, "cuda", "12.4")
    check = _torch()
    assert check.status == "warn" and "built for CUDA 12.4 but no GPU is usable" in check.detail
    assert "nvidia-smi" in check.fix


def test_gpus_are_listed_with_free_memory_and_bf16(monkeypatch: pytest.MonkeyPatch) -> None:
    def mem_get_info(i: int) -> tuple[int, int]:
        if i == 1:
            raise RuntimeError("CUDA error: all CUDA-capable devices are busy or unavailable")
        return 30 * 2**30, 80 * 2**30

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.version, "cuda", "12.4")
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda i: "NVIDIA H100")
    monkeypatch.setattr(torch.cuda, "mem_get_info", mem_get_info)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)
    check = _torch()
    assert check.status == "ok"
    assert "CUDA 12.4, bf16 supported: GPU 0 NVIDIA H100 (30.0/80.0 GiB free); GPU 1 NVIDIA H100 (free memory " \
           "unknown: RuntimeError: CUDA error" in check.detail


def test_the_dashboards_check_reads_a_cpu_build_without_importing_torch() -> None:
    import json
    import subprocess
    import sys
    from pathlib import Path

    script = ("import json, sys\nfrom core.doctor import _torch\ncheck = _torch(load=False)\n"
              "print(json.dumps([check.to_json(), 'torch' in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).resolve().parents[2], capture_output=True,
                         text=True, check=True)
    check, imported = json.loads(out.stdout.splitlines()[-1])
    assert not imported
    if torch.version.cuda is None:  # the same answer medsum doctor gives, which imports torch
        assert check == _torch().to_json()


def test_a_cuda_build_is_not_queried_until_torch_is_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    import core.doctor
    from core.doctor import GPUS_NOT_QUERIED

    monkeypatch.setattr(core.doctor, "_torch_build", lambda: ("2.13.0+cu124", "CUDA 12.4"))
    monkeypatch.delitem(sys.modules, "torch")  # as in the TUI before its preload (restored afterwards)
    check = _torch(load=False)
    assert "torch" not in sys.modules
    assert check.status == "ok" and f"built for CUDA 12.4: {GPUS_NOT_QUERIED}" in check.detail


def test_once_torch_is_loaded_the_dashboards_check_queries_the_gpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.version, "cuda", "12.4")
    check = _torch(load=False)
    assert check.status == "warn" and "built for CUDA 12.4 but no GPU is usable" in check.detail
