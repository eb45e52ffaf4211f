"""A TCP forwarder that a test can cut and restore, to take a server away from an app and give it back.

``stop()`` closes the listening socket and every live connection, so the app sees both a refused
connection and its pooled connections dropped, as when the database server goes down; ``start()``
listens again on the same port.
"""

from __future__ import annotations

import socket
import threading

CHUNK = 64 * 1024


class TcpProxy:
    def __init__(self, target: tuple[str, int], host: str = "127.0.0.1"):
        self.target = target
        self.host = host
        self.port = 0  # chosen by the system on the first start, then kept
        self._listener: socket.socket | None = None
        self._accepting: threading.Thread | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # The port is taken again at once after stop(), with closed connections in TIME_WAIT.
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._accepting = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._accepting.start()

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            _shut(listener)  # wakes the accepting thread
            self._accepting.join(timeout=5)
        with self._lock:
            live, self._sockets = self._sockets, set()
        for sock in live:
            _shut(sock)

    def __enter__(self) -> "TcpProxy":
        self.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return  # stopped
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _shut(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                if self._listener is not listener:  # stopped meanwhile
                    _shut(client)
                    _shut(upstream)
                    return
                self._sockets.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(CHUNK):
                sink.sendall(data)
        except OSError:
            pass
        # One side is finished: so is the connection, in both directions.
        with self._lock:
            self._sockets.difference_update((source, sink))
        _shut(source)
        _shut(sink)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
