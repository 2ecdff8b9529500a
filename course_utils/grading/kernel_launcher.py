"""Start an IPython kernel inside the bubblewrap sandbox as an unprivileged user with limits.

Runs as root inside the sandbox (which already has no network and a private view of the
files): copies the connection file where the kernel can read it, sets the resource limits,
drops to the grading uid with no capabilities and no way back (no_new_privs), then execs
ipykernel. The kernel's working directory (the student's folder) and the connection file's
folder are handed to the grading uid. Usage: python -m course_utils.grading.kernel_launcher UID LIMITS_JSON CONNECTION_FILE [ARGS...]
"""

from __future__ import annotations

import ctypes
import os
import resource
import shutil
import sys

from course_utils.grading.sandbox import Limits

PR_SET_NO_NEW_PRIVS = 38


def _chown_tree(top: str, uid: int) -> None:
    for folder, _, files in os.walk(top):
        for path in [folder, *(os.path.join(folder, f) for f in files)]:
            try:
                os.chown(path, uid, uid, follow_symlinks=False)
            except OSError:  # read-only mounts inside (the hidden notebook)
                pass


def main(argv: list[str]) -> None:
    uid, limits, connection_file, *kernel_args = argv
    uid, limits = int(uid), Limits.from_json(limits)
    _chown_tree(os.getcwd(), uid)  # the student's own folder: the only writable place
    os.chown(os.path.dirname(connection_file), uid, uid)  # where the kernel creates its IPC sockets
    private = "/tmp/kernel-connection.json"
    shutil.copy(connection_file, private)
    os.chown(private, uid, uid)
    os.chmod(private, 0o600)
    os.makedirs("/tmp/home", exist_ok=True)
    os.chown("/tmp/home", uid, uid)
    if limits.memory > 0:
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory, limits.memory))
    if limits.cpu_seconds > 0:  # SIGXCPU at the soft limit, SIGKILL a little later
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise SystemExit("could not set no_new_privs")
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    os.execv(
        sys.executable, [sys.executable, "-m", "ipykernel_launcher", "-f", private, *kernel_args]
    )


if __name__ == "__main__":
    main(sys.argv[1:])
