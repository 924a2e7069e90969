#!/usr/bin/env python3
"""An HTTP/1.1 proxy on 127.0.0.1 that holds every request for a fixed delay.

    python bench/latency_proxy.py --upstream http://127.0.0.1:PORT --delay-ms 50

Prints `READY http://127.0.0.1:PORT` and serves until stdin closes (or forever with
--ignore-stdin). Each client connection gets its own upstream connection, kept alive as long as
the client's; each request waits `--delay-ms` before it is forwarded, and requests on different
connections wait in parallel, as calls to a distant AWS endpoint do. Nothing else changes:
headers and bodies pass as they are (the SDK signs the Host it connects to, so the client is
pointed at the proxy and the upstream sees the same Host).

`scan_org.py --latency-ms` starts it in front of the launcher.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import threading
import urllib.parse


async def _read_message(reader: asyncio.StreamReader, is_response: bool, head_request: bool = False) -> bytes | None:
    """One HTTP/1.1 message, raw; None when the peer closed before a message began."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as e:
        if e.partial:
            raise
        return None
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    status = int(lines[0].split()[1]) if is_response else 0
    if head_request or 100 <= status < 200 or status in (204, 304):
        return head
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = bytearray()
        while True:
            size_line = await reader.readuntil(b"\r\n")
            body += size_line
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                # Trailers, then the blank line.
                while True:
                    line = await reader.readuntil(b"\r\n")
                    body += line
                    if line == b"\r\n":
                        break
                return head + bytes(body)
            body += await reader.readexactly(size + 2)
    if "content-length" in headers:
        return head + await reader.readexactly(int(headers["content-length"]))
    if is_response:
        # Delimited by the end of the connection.
        return head + await reader.read()
    return head


async def _serve(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter, host: str, port: int, delay: float) -> None:
    up_r, up_w = await asyncio.open_connection(host, port)
    try:
        while True:
            request = await _read_message(client_r, is_response=False)
            if request is None:
                return
            await asyncio.sleep(delay)
            up_w.write(request)
            await up_w.drain()
            is_head = request.startswith(b"HEAD ")
            response = await _read_message(up_r, is_response=True, head_request=is_head)
            if response is None:
                return
            client_w.write(response)
            await client_w.drain()
            if b"\r\nconnection: close" in response.split(b"\r\n\r\n", 1)[0].lower():
                return
    except (asyncio.IncompleteReadError, ConnectionError):
        return
    finally:
        for w in (client_w, up_w):
            w.close()


async def run_proxy(upstream: str, delay_ms: float, ready: "asyncio.Future[str] | None" = None, port: int = 0) -> None:
    u = urllib.parse.urlsplit(upstream)
    host, up_port = u.hostname or "127.0.0.1", u.port or 80
    server = await asyncio.start_server(
        lambda r, w: _serve(r, w, host, up_port, delay_ms / 1000), "127.0.0.1", port)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    if ready is not None:
        ready.set_result(url)
    else:
        print(f"READY {url}", flush=True)
    async with server:
        await server.serve_forever()


class LatencyProxy:
    """The proxy on a thread of this process: `with LatencyProxy(url, 50) as proxied: ...`."""

    def __init__(self, upstream: str, delay_ms: float) -> None:
        self.upstream, self.delay_ms = upstream, delay_ms
        self.loop = asyncio.new_event_loop()
        self.url = ""

    def __enter__(self) -> str:
        started = threading.Event()

        def main() -> None:
            asyncio.set_event_loop(self.loop)
            ready: asyncio.Future[str] = self.loop.create_future()
            ready.add_done_callback(lambda f: (setattr(self, "url", f.result()), started.set()))
            self.task = self.loop.create_task(run_proxy(self.upstream, self.delay_ms, ready))
            try:
                self.loop.run_until_complete(self.task)
            except asyncio.CancelledError:
                pass

        self.thread = threading.Thread(target=main, name="latency-proxy", daemon=True)
        self.thread.start()
        if not started.wait(10):
            raise RuntimeError("the latency proxy did not start")
        return self.url

    def __exit__(self, *_exc: object) -> None:
        self.loop.call_soon_threadsafe(self.task.cancel)
        self.thread.join(5)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--upstream", required=True, help="http://127.0.0.1:PORT of the launcher")
    p.add_argument("--delay-ms", type=float, required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--ignore-stdin", action="store_true")
    args = p.parse_args()
    if not args.ignore_stdin:
        def watch() -> None:
            while sys.stdin.buffer.read(4096):
                pass
            import os
            os._exit(0)
        threading.Thread(target=watch, daemon=True).start()
    asyncio.run(run_proxy(args.upstream, args.delay_ms, port=args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
