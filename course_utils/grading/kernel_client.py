"""A kernel client that cannot sleep through a message that has already arrived.

nbclient waits for a cell's reply with one `get_msg(timeout=<the cell's limit>)`. With pyzmq's
asyncio sockets the wake-up for a message can be lost; the message then sits in the socket
until the timeout ends, when pyzmq polls once more and returns it. We measured this on the
l2 lecture: 2 runs in 16 (CPU-busy machine) stalled for exactly the cell timeout between
two cells although the kernel had replied at once, and `course bench` once reported 316 s
for a 16 s notebook. In grading that stall would spend a student's time budget.

Here every wait is cut into slices of `check_every` seconds, each ending in that extra poll,
so a lost wake-up costs at most one slice (same machine, 24 runs: 2 lost wake-ups, each cost
0.84 s). Pass `PollingKernelManager` as nbclient's `kernel_manager_class`.
"""

from __future__ import annotations

import time
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.manager import AsyncKernelManager
from traitlets import DottedObjectName, Type


class PollingChannel(AsyncZMQSocketChannel):
    """`get_msg` that looks at the socket again at least every `check_every` seconds."""

    check_every = 1.0

    async def get_msg(self, timeout: float | None = None) -> dict:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            step = self.check_every if left is None else min(self.check_every, left)
            try:
                return await super().get_msg(timeout=step)
            except Empty:
                if left is not None and left <= self.check_every:
                    raise


class PollingKernelClient(AsyncKernelClient):
    shell_channel_class = Type(PollingChannel)
    iopub_channel_class = Type(PollingChannel)
    control_channel_class = Type(PollingChannel)


class PollingKernelManager(AsyncKernelManager):
    client_class = DottedObjectName("course_utils.grading.kernel_client.PollingKernelClient")
    client_factory = Type(PollingKernelClient, klass=AsyncKernelClient)
