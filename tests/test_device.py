from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ai4s_lab import available_devices, resolve_device, resolve_dtype
from ai4s_lab.device import device_info
from ai4s_lab.errors import Ai4sError, DeviceError, DeviceUnavailableError


def test_auto_picks_a_device_that_exists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AI4S_DEVICE", raising=False)
    chosen = resolve_device("auto")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert chosen.type == expected
    assert resolve_device(None) == chosen


def test_environment_variable_overrides_auto_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AI4S_DEVICE", "cpu")
    assert resolve_device("auto") == torch.device("cpu")
    monkeypatch.setenv("AI4S_DEVICE", "tpu")
    with pytest.raises(DeviceError, match="AI4S_DEVICE"):
        resolve_device("auto")
    # an explicit device is not overridden
    assert resolve_device("cpu") == torch.device("cpu")


@pytest.mark.parametrize("spec", ["CPU", " cpu ", torch.device("cpu"), "cpu:0"])
def test_cpu_spellings(spec: object) -> None:
    assert resolve_device(spec) == torch.device("cpu")  # type: ignore[arg-type]


@pytest.mark.parametrize("spec", ["gpu", "cuda:x", "cuda:-1", "", "cpu:1"])
def test_malformed_names_are_refused(spec: str) -> None:
    with pytest.raises(DeviceError) as info:
        resolve_device(spec)
    assert isinstance(info.value, ValueError) and isinstance(info.value, Ai4sError)
    assert repr(spec.strip().lower()) in str(info.value)


def test_non_string_is_refused() -> None:
    with pytest.raises(DeviceError, match="neither a string"):
        resolve_device(3)  # type: ignore[arg-type]


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_missing_cuda_names_the_devices_that_exist() -> None:
    with pytest.raises(DeviceUnavailableError) as info:
        resolve_device("cuda:1")
    message = str(info.value)
    assert "'cuda:1'" in message and "'cpu'" in message
    assert isinstance(info.value, RuntimeError)


def test_cuda_index_past_the_last_gpu_is_refused() -> None:
    with pytest.raises(DeviceUnavailableError, match="not available"):
        resolve_device(f"cuda:{torch.cuda.device_count() + 3}")


def test_available_devices_starts_with_cpu() -> None:
    names = available_devices()
    assert names[0] == "cpu"
    assert len(names) == 1 + torch.cuda.device_count() + (
        1 if torch.backends.mps.is_available() else 0
    )


def test_dtype_policy(device: str) -> None:
    default = resolve_dtype(None, device)
    assert default == (torch.float64 if device == "cpu" else torch.float32)
    assert resolve_dtype("float64", device) == torch.float64
    assert resolve_dtype(torch.float32, device) == torch.float32
    assert resolve_dtype("double", device) == torch.float64


def test_numpy_dtypes_name_their_torch_dtype() -> None:
    import numpy as np

    assert resolve_dtype(np.float32, "cpu") == torch.float32  # type: ignore[arg-type]
    assert resolve_dtype(np.dtype("<f8"), "cpu") == torch.float64  # type: ignore[arg-type]
    with pytest.raises(DeviceError, match=r"float16.*not supported"):
        resolve_dtype(np.float16, "cpu")  # type: ignore[arg-type]


@pytest.mark.parametrize("dtype", ["float16", "int32", torch.int64])
def test_unsupported_dtypes_are_refused(dtype: object) -> None:
    with pytest.raises(DeviceError, match="not supported"):
        resolve_dtype(dtype, "cpu")  # type: ignore[arg-type]


def test_device_info_is_json_ready(device: str) -> None:
    import json

    info = device_info(device)
    assert info["device"].startswith(device)
    assert info["torch"] == torch.__version__
    json.dumps(info)


def test_an_unwritable_run_folder_never_fails_a_computation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Inside a run the device is noted for the manifest; a folder that cannot be written is
    logged, and the device still resolves."""
    import ai4s_lab.device as device_module

    monkeypatch.setattr(device_module, "_reported", [])
    monkeypatch.setenv("AI4S_RUN_DIR", str(tmp_path / "missing" / "run"))
    with caplog.at_level("WARNING", logger="ai4s_lab.device"):
        assert str(resolve_device("cpu")) == "cpu"
    assert "could not note device cpu" in caplog.text
    monkeypatch.setattr(device_module, "_reported", [])
    monkeypatch.setenv("AI4S_RUN_DIR", str(tmp_path))
    resolve_device("cpu")
    assert '"device": "cpu"' in (tmp_path / device_module.RUN_DEVICES_FILE).read_text()
