"""The bubblewrap sandbox that student kernels run in, described as a Jupyter kernelspec.

Inside: a read-only view of the system, the Python environment and the course_utils package;
the student's own autograded folder writable (their notebook itself hidden: it holds the hidden
tests while grading); a private /tmp; no network (kernel and grader talk over IPC sockets in a
folder both can see); no solutions/, gradebook or other students. The kernel runs as an
unprivileged uid of its own with memory, process-count and file-size limits.
"""

from __future__ import annotations

import fcntl
import glob
import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from queue import Queue

import course_utils

KERNEL_NAME = "course-sandbox"
BASE_UID = 61000
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/etc")
INSTALL_HINT = (
    "install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap) or pass --no-sandbox"
)


def check_available() -> None:
    """Raise SystemExit with how to fix it when bubblewrap cannot run here."""
    if shutil.which("bwrap") is None:
        raise SystemExit(
            f"course grade runs student code in a bubblewrap sandbox, but `bwrap` is not installed: {INSTALL_HINT}"
        )
    probe = subprocess.run(
        [
            "bwrap",
            "--ro-bind",
            "/",
            "/",
            "--unshare-net",
            "--unshare-pid",
            "--die-with-parent",
            "true",
        ],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        raise SystemExit(
            f"bubblewrap cannot create a sandbox here ({probe.stderr.strip()[:200]}); "
            "run course grade as root or allow unprivileged user namespaces, or pass --no-sandbox"
        )


class _Mounts:
    """bwrap mount arguments; parent folders are created world-traversable (bwrap's own are 0700)."""

    def __init__(self) -> None:
        self.args: list[str] = []
        self.made = {"/"}

    def add(self, *flag_and_paths: str) -> None:
        target = flag_and_paths[-1]
        for parent in reversed(Path(target).parents):
            if str(parent) not in self.made:
                self.args += ["--perms", "0755", "--dir", str(parent)]
                self.made.add(str(parent))
        self.args += list(flag_and_paths)
        self.made.add(target)

    def read_only(self, paths) -> None:
        """Read-only binds of existing paths; a symlink (/bin -> usr/bin) is recreated as a symlink."""
        for path in dict.fromkeys(str(p) for p in paths):
            if os.path.islink(path):
                self.add("--symlink", os.readlink(path), path)
            elif os.path.exists(path):
                self.add("--ro-bind", path, path)


def bwrap_argv(
    workdir: Path, hidden: list[Path], runtime: Path, device: str, threads: int
) -> list[str]:
    """bubblewrap arguments: what the kernel may see, with workdir and runtime writable."""
    package = Path(course_utils.__file__).resolve().parent
    python = [str(Path(p).resolve()) for p in (sys.base_prefix, sys.prefix)]
    mounts = _Mounts()
    mounts.read_only(SYSTEM_DIRS)
    mounts.add("--dev", "/dev")
    mounts.add("--proc", "/proc")
    mounts.add("--perms", "1777", "--tmpfs", "/tmp")  # before any bind that may lie under /tmp
    mounts.read_only([*python, package])
    if device == "cuda":
        for node in sorted(glob.glob("/dev/nvidia*")):
            mounts.add("--dev-bind", node, node)
    mounts.add("--bind", str(workdir), str(workdir))
    mounts.add("--bind", str(runtime), str(runtime))
    for path in hidden:
        mounts.add("--ro-bind", "/dev/null", str(path))
    args = [
        "bwrap",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
        "--unshare-ipc",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-uts",
        "--unshare-cgroup-try",
        *mounts.args,
    ]
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": "/tmp/home",
        "LANG": "C.UTF-8",
        "MPLCONFIGDIR": "/tmp/home/matplotlib",
        "IPYTHONDIR": "/tmp/home/ipython",
        "NBGRADER_EXECUTION": "autograde",
        "COURSE_DEVICE": device,
        "PYTHONNOUSERSITE": "1",
        "CUBLAS_WORKSPACE_CONFIG": ":4096:8",
        "OMP_NUM_THREADS": str(threads),  # kernels graded side by side must not fight over cores
        "MKL_NUM_THREADS": str(threads),
    }
    if device == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = ""
    for key, value in env.items():
        args += ["--setenv", key, value]
    return args + ["--chdir", str(workdir)]


@dataclass(frozen=True)
class Limits:
    """Resource limits of one student's kernel, handed whole to the kernel launcher."""

    memory: int = 0  # address space in bytes; 0: none (CUDA needs a huge one)
    processes: int = 256  # processes and threads of the kernel's uid
    cpu_seconds: int = 0  # CPU time of the kernel; 0: none
    file_bytes: int = 1 << 30  # largest file it may write

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "Limits":
        return cls(**{k: int(v) for k, v in json.loads(text).items()})


class UidPool:
    """Kernel uids that no other `course grade` on this host uses at the same time.

    A uid is held by an exclusive lock on /tmp/course-grading-uid-<uid>.lock for as long as
    this pool lives, so the per-uid process limit of one run never counts another run's kernels.
    """

    def __init__(self, count: int, base: int = BASE_UID, span: int = 4096):
        self._held: Queue[tuple[int, object]] = Queue()
        for uid in range(base, base + span):
            if self._held.qsize() == count:
                break
            lock = open(f"/tmp/course-grading-uid-{uid}.lock", "a")
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                lock.close()
                continue
            self._held.put((uid, lock))
        if self._held.qsize() < count:
            raise SystemExit(
                f"no free kernel uid in {base}..{base + span - 1}: too many course grade runs"
            )
        self._locks = list(self._held.queue)
        self._lock_of: dict[int, object] = {}

    def take(self) -> int:
        """A uid for one kernel (waits until one is free); give it back when the kernel is gone."""
        uid, lock = self._held.get()
        self._lock_of[uid] = lock
        return uid

    def give(self, uid: int) -> None:
        self._held.put((uid, self._lock_of.pop(uid)))

    def __enter__(self) -> "UidPool":
        return self

    def __exit__(self, *exc) -> None:
        for _, lock in self._locks:
            lock.close()


def write_kernelspec(
    jupyter_dir: Path,
    workdir: Path,
    hidden: list[Path],
    runtime: Path,
    device: str,
    uid: int,
    limits: Limits,
    threads: int,
) -> None:
    """Write jupyter_dir/kernels/course-sandbox/kernel.json for one student's grading run.

    uid: from a UidPool, so process limits of one submission never count against another.
    """
    launcher = [
        sys.executable,
        "-m",
        "course_utils.grading.kernel_launcher",
        str(uid),
        limits.to_json(),
        "{connection_file}",
    ]
    spec = {
        "argv": bwrap_argv(workdir, hidden, runtime, device, threads) + ["--", *launcher],
        "display_name": "Python 3 (course sandbox)",
        "language": "python",
        "interrupt_mode": "message",  # signals do not cross into the sandbox
    }
    folder = jupyter_dir / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1))
