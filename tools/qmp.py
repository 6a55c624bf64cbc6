"""A small QMP client (QEMU Machine Protocol over a UNIX socket) for the test harnesses:
hotplug (device_add, device_del), block_resize, and such. Standard library only."""
import json
import socket
import time


class QmpError(Exception):
    pass


class Qmp:
    def __init__(self, path, timeout=10.0):
        """Connect to QEMU's -qmp unix:PATH,server=on,wait=off (retrying while QEMU starts) and
        leave capabilities negotiation mode."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise QmpError("cannot connect to QMP at %s" % path)
                time.sleep(0.02)
        self.sock.settimeout(timeout)
        self.buf = b""
        self.events = []
        greeting = self._read()
        if "QMP" not in greeting:
            raise QmpError("no QMP greeting: %r" % greeting)
        self.command("qmp_capabilities")

    def _read(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise QmpError("QMP connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def command(self, name, **arguments):
        """Run one command; returns its "return" value, raises QmpError with QEMU's error."""
        msg = {"execute": name}
        if arguments:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self._read()
            if "event" in reply:
                self.events.append(reply)
                continue
            if "error" in reply:
                raise QmpError("%s: %s" % (name, reply["error"].get("desc", reply["error"])))
            return reply.get("return")

    def commands(self, batch):
        """Send several (name, arguments) commands at once, so QEMU runs them back to back
        (within microseconds: a burst), then collect their answers in order."""
        payload = b"".join(json.dumps({"execute": n, "arguments": a} if a else {"execute": n}).encode() + b"\n"
                           for n, a in batch)
        self.sock.sendall(payload)
        results = []
        while len(results) < len(batch):
            reply = self._read()
            if "event" in reply:
                self.events.append(reply)
                continue
            if "error" in reply:
                raise QmpError("%s: %s" % (batch[len(results)][0], reply["error"].get("desc", reply["error"])))
            results.append(reply.get("return"))
        return results

    def close(self):
        self.sock.close()
