"""A QMP client (QEMU Machine Protocol over a UNIX socket): hotplug (device_add, device_del),
block_resize, pmemsave, query-kvm and such, for the tools and the tests.

QEMU is started with -qmp unix:PATH,server=on,wait=off (qemu.qmp_args), so it runs whether or
not anyone connects; the client retries while QEMU creates the socket.
"""
import contextlib
import json
import os
import socket
import tempfile
import time


class QmpError(Exception):
    pass


@contextlib.contextmanager
def socket_path():
    """A path for QEMU's QMP socket in a temporary directory of its own, removed afterwards. Not
    under a run's own directory: a UNIX socket's path must fit in 108 bytes."""
    with tempfile.TemporaryDirectory(prefix="lunbench-qmp-") as directory:
        yield os.path.join(directory, "qmp.sock")


class Qmp:
    def __init__(self, path, timeout=10.0, process=None):
        """Connect to the socket at path (retrying for up to timeout seconds, or until process, a
        subprocess.Popen, has exited: a QEMU that is gone will not create it), then leave
        capabilities negotiation mode. timeout also bounds each reply."""
        deadline = time.monotonic() + timeout
        while True:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                self.sock.connect(path)
                break
            except OSError as e:
                self.sock.close()
                if process is not None and process.poll() is not None:
                    raise QmpError("QEMU exited (code %s) before its QMP socket %s accepted" % (
                        process.returncode, path))
                if time.monotonic() > deadline:
                    raise QmpError("cannot connect to QMP at %s: %s" % (path, e.strerror or e))
                time.sleep(0.02)
        self.sock.settimeout(timeout)
        self.buf = b""
        self.events = []  # asynchronous events (STOP, SHUTDOWN, DEVICE_DELETED, ...) seen so far
        greeting = self._read()
        if "QMP" not in greeting:
            self.sock.close()
            raise QmpError("no QMP greeting at %s: %r" % (path, greeting))
        self.command("qmp_capabilities")

    def _read(self):
        while b"\n" not in self.buf:
            try:
                chunk = self.sock.recv(65536)
            except OSError as e:
                raise QmpError("QMP: %s" % (e.strerror or e))
            if not chunk:
                raise QmpError("QMP connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def _reply(self, name):
        """The next reply that is not an event: its "return" value, or QmpError with QEMU's."""
        while True:
            reply = self._read()
            if "event" in reply:
                self.events.append(reply)
                continue
            if "error" in reply:
                raise QmpError("%s: %s" % (name, reply["error"].get("desc", reply["error"])))
            return reply.get("return")

    @staticmethod
    def _message(name, arguments):
        msg = {"execute": name}
        if arguments:
            msg["arguments"] = arguments
        return json.dumps(msg).encode() + b"\n"

    def command(self, name, **arguments):
        """Run one command; returns its "return" value."""
        self.sock.sendall(self._message(name, arguments))
        return self._reply(name)

    def commands(self, batch):
        """Send several (name, arguments) commands at once, so that QEMU runs them back to back
        (within microseconds: a burst), then collect their answers in order."""
        self.sock.sendall(b"".join(self._message(name, arguments) for name, arguments in batch))
        return [self._reply(name) for name, _ in batch]

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
