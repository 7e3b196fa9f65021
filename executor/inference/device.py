"""Where a model runs: CUDA (half precision where the model says it is safe) or the CPU."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from . import settings

__all__ = ["Device", "choose_device", "configure_torch"]

log = logging.getLogger("switchyard.inference")
_configured = threading.Lock()
_threads_set: int | None = None


@dataclass(frozen=True)
class Device:
    """A torch device and the precision a model should use on it."""

    type: str  # "cuda" or "cpu"
    torch_device: str  # what torch's ``.to()`` takes: "cuda:0", "cpu"
    name: str  # for people: "NVIDIA H200", "cpu (1 thread)"
    half: bool = False

    @property
    def dtype_name(self) -> str:
        return "float16" if self.half else "float32"

    def as_dict(self) -> dict:
        return {"type": self.type, "device": self.torch_device, "name": self.name, "dtype": self.dtype_name}


def configure_torch() -> int:
    """Set torch's intra-op thread count from SWITCHYARD_TORCH_THREADS, once per
    process; returns the count in force."""
    global _threads_set
    with _configured:
        if _threads_set is None:
            import torch

            _threads_set = settings.torch_threads()
            torch.set_num_threads(_threads_set)
        return _threads_set


def choose_device(preference: str | None = None, *, half_safe: bool = False) -> Device:
    """The device for a model: CUDA when asked for or available (``auto``), else the CPU.

    ``half_safe`` is the model's word that float16 keeps its outputs usable;
    half precision is used only on CUDA, and only when SWITCHYARD_HALF allows it.
    Raises RuntimeError when CUDA is asked for and there is none.
    """
    import torch

    threads = configure_torch()
    preference = (preference or settings.device_preference()).lower()
    if preference.startswith("cuda") or (preference == "auto" and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            raise RuntimeError(f"SWITCHYARD_DEVICE={preference} but torch sees no CUDA device")
        index = int(preference.partition(":")[2] or 0)
        half = half_safe and settings.half_precision_allowed()
        return Device("cuda", f"cuda:{index}", torch.cuda.get_device_name(index), half)
    if preference not in ("auto", "cpu"):
        raise RuntimeError(f"SWITCHYARD_DEVICE={preference!r}: expected auto, cpu, cuda or cuda:N")
    return Device("cpu", "cpu", f"cpu ({threads} thread{'s' if threads != 1 else ''})")
