"""Fetching a URL with a total deadline and only to public addresses.

Every connection (the first and each redirect) resolves the host itself, refuses private,
loopback, link-local, reserved and multicast addresses unless POLICYQA_ALLOW_PRIVATE_URLS=1,
and connects to the address it checked (no second lookup to rebind). A timer shuts the sockets
down when the deadline passes, so a server that sends one byte every few seconds cannot hold
the fetch longer than the deadline.
"""
from __future__ import annotations

import http.client
import ipaddress
import os
import socket
import threading
import time
import urllib.error
import urllib.request


def private_allowed() -> bool:
    return os.environ.get("POLICYQA_ALLOW_PRIVATE_URLS", "").strip().lower() in ("1", "true", "yes")


def _blocked(ip: ipaddress._BaseAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved
            or ip.is_multicast or ip.is_unspecified)


class _Guard:
    def __init__(self, deadline: float, error):
        self.deadline, self.error = deadline, error
        self.socks: list[socket.socket] = []
        self.expired = False
        self.lock = threading.Lock()

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def connect(self, host: str, port: int, timeout: float) -> socket.socket:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise OSError(f"cannot resolve {host}: {exc.strerror}") from None
        last: OSError | None = None
        for family, stype, proto, _, addr in infos:
            ip = ipaddress.ip_address(addr[0].split("%")[0])
            if _blocked(ip) and not private_allowed():
                raise self.error(f"{host} resolves to {ip}, a private, loopback or link-local "
                                 "address; policyqa fetches only public addresses. To fetch from "
                                 "your own network, set POLICYQA_ALLOW_PRIVATE_URLS=1")
            sock = socket.socket(family, stype, proto)
            sock.settimeout(max(0.1, min(timeout, self.remaining())))
            with self.lock:
                self.socks.append(sock)
                if self.expired:
                    sock.close()
                    raise TimeoutError("deadline passed")
            try:
                sock.connect(addr)
                return sock
            except OSError as exc:
                last = exc
                sock.close()
        raise last or OSError(f"cannot connect to {host}")

    def expire(self) -> None:
        with self.lock:
            self.expired = True
            for s in self.socks:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def _opener(guard: _Guard):
    class Conn(http.client.HTTPConnection):
        def connect(self):
            self.sock = guard.connect(self.host, self.port, self.timeout)

    class TLSConn(http.client.HTTPSConnection):
        def connect(self):
            sock = guard.connect(self.host, self.port, self.timeout)
            self.sock = self._context.wrap_socket(sock, server_hostname=self.host)

    class HTTP(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(Conn, req)

    class HTTPS(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(TLSConn, req)

    class Redirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req, fp, code, msg, headers, newurl):
            if not newurl.lower().startswith(("http://", "https://")):
                raise guard.error(f"{req.full_url} redirects to {newurl}, which is not http(s)")
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    return urllib.request.build_opener(urllib.request.ProxyHandler({}), HTTP, HTTPS, Redirect)


def fetch(url: str, max_bytes: int, read_timeout: float, deadline: float, error) -> tuple[bytes, str]:
    """(body, content type) of `url`, or `error` (an exception class) with a clear message."""
    guard = _Guard(time.monotonic() + deadline, error)
    timer = threading.Timer(deadline, guard.expire)
    timer.daemon = True
    timer.start()
    too_slow = error(f"{url} did not finish within {deadline:.0f}s; download the page and add the "
                     "file, or raise the limit with POLICYQA_URL_DEADLINE")
    req = urllib.request.Request(url, headers={"User-Agent": "policyqa/0.1"})
    try:
        with _opener(guard).open(req, timeout=read_timeout) as resp:
            ctype = resp.headers.get("Content-Type", "")
            chunks, size = [], 0
            while size <= max_bytes:
                if guard.remaining() <= 0:
                    raise too_slow
                b = resp.read1(65536)
                if not b:
                    break
                chunks.append(b)
                size += len(b)
            data = b"".join(chunks)
    except urllib.error.HTTPError as exc:
        raise error(f"{url} answered HTTP {exc.code}; check the address") from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        if guard.expired:
            raise too_slow from None
        reason = getattr(exc, "reason", exc)
        raise error(f"cannot fetch {url} ({reason}); download the page and add the file "
                    "instead") from None
    finally:
        timer.cancel()
    if guard.expired:
        raise too_slow
    if len(data) > max_bytes:
        raise error(f"{url} is larger than {max_bytes // 2**20} MB; save the document and add the file")
    return data, ctype
