"""A TCP proxy in front of the test Neo4j that can fail the way networks and servers do.

Nothing is mocked: the driver talks Bolt to the real database through real sockets, and the
proxy only stops carrying bytes.

- `cut()`: every open connection is reset and the port refuses new ones (Neo4j killed);
  `restore()` listens again on the same port (Neo4j back).
- `lose_next_commit()`: the next Bolt COMMIT is delivered to Neo4j, which commits, but the
  client's connection is dropped before the answer reaches it (the driver's IncompleteCommit,
  "connection lost during commit").
"""

from __future__ import annotations

import contextlib
import socket
import threading

#: A Bolt COMMIT message on the wire: chunk of 2 bytes, struct marker B0 (no fields), tag 12,
#: end-of-message chunk 00 00.
BOLT_COMMIT = b"\x00\x02\xb0\x12\x00\x00"


class BoltProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._lose_commit = False
        self.commits_lost = 0
        #: set once Neo4j has answered the lost COMMIT (it has committed by then)
        self.lost_commit_answered = threading.Event()
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = int(probe.getsockname()[1])
        probe.close()

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    def start(self) -> BoltProxy:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    restore = start

    def cut(self) -> None:
        """Reset every connection and refuse new ones until `restore()`."""
        with self._lock:
            listener, self._listener = self._listener, None
            sockets, self._sockets = self._sockets, set()
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        for sock in sockets:
            _reset(sock)

    stop = cut

    def lose_next_commit(self) -> None:
        self._lose_commit = True

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.update((client, server))
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, to_server: bool) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
                if to_server and self._lose_commit and BOLT_COMMIT in data:
                    self._lose_commit = False
                    self.commits_lost += 1
                    _reset(source)  # the client sees its connection die while awaiting COMMIT
                    _drain_then_close(sink)  # Neo4j still gets the COMMIT and commits
                    self.lost_commit_answered.set()
                    return
        except OSError:
            pass
        finally:
            _reset(source)
            _reset(sink)


def _reset(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


def _drain_then_close(server: socket.socket) -> None:
    """Read Neo4j's answer to the COMMIT (so it is sure to have committed), then close."""
    with contextlib.suppress(OSError):
        server.settimeout(10)
        server.recv(65536)
    _reset(server)
