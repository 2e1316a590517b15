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
