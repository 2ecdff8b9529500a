"""`course grade --device cuda` first asks a kernel like the students' whether it sees a GPU.

One cell runs in the same sandbox (same bubblewrap mounts, NVIDIA device files, kernel uid and
limits) that will run every notebook. If torch there sees no CUDA device, grading stops before
anything is written, instead of every student's setup cell failing one after the other.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from .kernel_client import PollingKernelManager
from .sandbox import KERNEL_NAME, Limits, UidPool, write_kernelspec

PROBE = (
    "import json, torch\n"
    "print(json.dumps({'cuda': torch.cuda.is_available(), 'devices': torch.cuda.device_count(),"
    " 'torch': torch.__version__, 'built_for_cuda': torch.version.cuda}))"
)
PROBE_SECONDS = 120


def _kernel_manager(folder: Path, sandbox: bool, uid: int) -> PollingKernelManager:
    if not sandbox:
        return PollingKernelManager(kernel_name="python3")
    workdir, runtime = folder / "work", folder / "runtime"
    workdir.mkdir()
    runtime.mkdir()
    write_kernelspec(folder / "jupyter", workdir, [], runtime, "cuda", uid, Limits(), threads=1)
    return PollingKernelManager(
        kernel_name=KERNEL_NAME,
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(folder / "jupyter" / "kernels")]),
        transport="ipc",
        ip=f"{runtime}/kernel",
        connection_file=f"{runtime}/connection.json",
    )


def what_the_kernel_sees(sandbox: bool) -> dict:
    """Run the probe cell in a fresh (sandboxed) kernel; returns its answer, or {'error': ...}."""
    with tempfile.TemporaryDirectory(prefix="course-gpu-probe-") as tmp, UidPool(1) as uids:
        folder = Path(tmp)
        folder.chmod(0o755)
        km = _kernel_manager(folder, sandbox, uids.take())
        nb = new_notebook(cells=[new_code_cell(PROBE)])
        client = NotebookClient(
            nb, km=km, timeout=PROBE_SECONDS, resources={"metadata": {"path": str(folder)}}
        )
        try:
            client.execute(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except Exception as error:  # the kernel did not start or the cell raised
            return {"error": f"{type(error).__name__}: {str(error).strip()[-300:]}"}
    text = "".join(o.get("text", "") for o in nb.cells[0].outputs if o.output_type == "stream")
    try:
        return json.loads(text.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": f"unexpected answer {text[-200:]!r}"}


def require_gpu(sandbox: bool, probe=what_the_kernel_sees) -> None:
    """SystemExit saying what to check when the students' kernels would not see a GPU; `probe`
    runs the cell (here, or on a cluster's GPU worker)."""
    seen = probe(sandbox)
    if seen.get("cuda"):
        return
    where = "the sandboxed kernel" if sandbox else "the kernel"
    if "error" in seen:
        detail = f"the probe cell failed: {seen['error']}"
    else:
        detail = (
            f"torch {seen.get('torch')} there (CUDA build: {seen.get('built_for_cuda')}) finds "
            f"{seen.get('devices', 0)} CUDA devices"
        )
    raise SystemExit(
        f"--device cuda: {where} sees no GPU ({detail}); nothing was graded. Check that "
        "nvidia-smi works, that /dev/nvidia* exist and that torch is a CUDA build, or grade "
        "with --device cpu."
    )
