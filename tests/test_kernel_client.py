"""The kernel client looks at its socket again every slice, so a lost wake-up cannot stall a cell."""

import asyncio
from queue import Empty

import pytest
import zmq
import zmq.asyncio
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.session import Session

from course_utils.grading.execute import GuardedExecute
from course_utils.grading.kernel_client import (
    PollingChannel,
    PollingKernelClient,
    PollingKernelManager,
)


class LostWakeupSocket(zmq.asyncio.Socket):
    """What pyzmq does when the wake-up for a message is lost: poll(timeout) only notices the
    message when its timeout ends (then it polls once more and finds it)."""

    requested: list

    async def poll(self, timeout=None, flags=zmq.POLLIN):
        self.requested.append(timeout)
        await asyncio.sleep((timeout or 0) / 1000)
        return await super().poll(0, flags)


def channel_with_message(kind, send: bool):
    """A channel of class `kind` reading a PAIR socket; the other end has sent one message if `send`."""
    context = zmq.asyncio.Context()
    reader = context.socket(zmq.PAIR, socket_class=LostWakeupSocket)
    reader.requested = []
    reader.bind("inproc://kernel-client-test")
    writer = context.socket(zmq.PAIR)
    writer.connect("inproc://kernel-client-test")
    session = Session()
    if send:
        session.send(writer, "execute_reply", {"status": "ok"})
    channel = kind(reader, session)
    return channel, reader, context


@pytest.mark.parametrize("kind", [PollingChannel, AsyncZMQSocketChannel])
def test_a_message_that_arrived_is_read_within_one_slice(kind):
    channel, reader, context = channel_with_message(kind, send=True)
    if kind is PollingChannel:
        channel.check_every = 0.05

    async def read():
        return await asyncio.wait_for(channel.get_msg(timeout=30), timeout=5)

    if kind is AsyncZMQSocketChannel:  # the plain channel sleeps through the whole 30 s
        with pytest.raises(asyncio.TimeoutError):
            asyncio.run(read())
        assert reader.requested == [30000]
    else:
        msg = asyncio.run(read())
        assert msg["msg_type"] == "execute_reply" and msg["content"] == {"status": "ok"}
        assert reader.requested == [50]
    context.destroy(linger=0)


def test_no_message_still_times_out_at_the_deadline():
    channel, reader, context = channel_with_message(PollingChannel, send=False)
    channel.check_every = 0.05
    with pytest.raises(Empty):
        asyncio.run(channel.get_msg(timeout=0.12))
    assert len(reader.requested) == 3 and max(reader.requested) == 50
    assert sum(reader.requested) <= 125
    context.destroy(linger=0)


def test_notebook_runs_and_grading_use_the_polling_client():
    assert PollingKernelManager().client_factory is PollingKernelClient
    client = PollingKernelClient()
    assert client.shell_channel_class is PollingChannel
    assert client.iopub_channel_class is PollingChannel
    assert GuardedExecute().kernel_manager_class is PollingKernelManager
