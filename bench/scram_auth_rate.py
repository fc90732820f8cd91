#!/usr/bin/env python3
"""SCRAM authentications per second against a broker's SASL listener (issue 10's benchmark).

Each worker process opens a TCP connection, runs SaslHandshake v1 and the two SaslAuthenticate
rounds of RFC 5802 (the client side computes its proof as Kafka's Java client does, but keeps
the salted password between logins so that the broker's work is what is measured), checks the
server signature, closes, and repeats for DURATION seconds. Prints one line of figures.
  scram_auth_rate.py HOST:PORT USER PASSWORD MECHANISM DURATION_S WORKERS
"""
import base64
import hashlib
import hmac
import multiprocessing
import os
import socket
import struct
import sys
import time


SALTED = {}


def request(sock, api_key, version, body, correlation):
    header = struct.pack(">hhih", api_key, version, correlation, 5) + b"bench"
    frame = header + body
    sock.sendall(struct.pack(">i", len(frame)) + frame)
    size = struct.unpack(">i", recv_exact(sock, 4))[0]
    return recv_exact(sock, size)[4:]  # drop the correlation id


def recv_exact(sock, n):
    out = b""
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            raise ConnectionError("closed by the broker")
        out += chunk
    return out


def authenticate(sock, token, correlation):
    r = request(sock, 36, 1, struct.pack(">i", len(token)) + token, correlation)
    error = struct.unpack(">h", r[:2])[0]
    msg_len = struct.unpack(">h", r[2:4])[0]
    pos = 4 + max(msg_len, 0)
    auth_len = struct.unpack(">i", r[pos:pos + 4])[0]
    return error, r[pos + 4:pos + 4 + auth_len]


def login(host, port, user, password, mechanism):
    h = hashlib.sha256 if mechanism.endswith("256") else hashlib.sha512
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        mech = mechanism.encode()
        r = request(sock, 17, 1, struct.pack(">h", len(mech)) + mech, 1)
        if struct.unpack(">h", r[:2])[0] != 0:
            raise RuntimeError(f"SaslHandshake refused {mechanism}")
        nonce = base64.b64encode(os.urandom(18)).decode()
        bare = f"n={user},r={nonce}"
        error, server_first = authenticate(sock, ("n,," + bare).encode(), 2)
        if error:
            raise RuntimeError(f"client-first refused: error {error}")
        attrs = dict(a.split("=", 1) for a in server_first.decode().split(","))
        # The salted password is the same on every login (same salt and iterations): computed
        # once, so the client's own PBKDF2 does not compete with the broker's for the CPU.
        key = (attrs["s"], attrs["i"])
        if key not in SALTED:
            SALTED[key] = hashlib.pbkdf2_hmac(h().name, password.encode(),
                                              base64.b64decode(attrs["s"]), int(attrs["i"]))
        salted = SALTED[key]
        without_proof = f"c=biws,r={attrs['r']}"
        auth = f"{bare},{server_first.decode()},{without_proof}".encode()
        client_key = hmac.new(salted, b"Client Key", h).digest()
        signature = hmac.new(h(client_key).digest(), auth, h).digest()
        proof = bytes(a ^ b for a, b in zip(client_key, signature))
        final = f"{without_proof},p={base64.b64encode(proof).decode()}".encode()
        error, server_final = authenticate(sock, final, 3)
        if error:
            raise RuntimeError(f"client-final refused: error {error}")
        server_key = hmac.new(salted, b"Server Key", h).digest()
        expected = base64.b64encode(hmac.new(server_key, auth, h).digest()).decode()
        if server_final.decode() != f"v={expected}":
            raise RuntimeError("bad server signature")


def worker(args):
    host, port, user, password, mechanism, duration = args
    done, deadline = 0, time.monotonic() + duration
    while time.monotonic() < deadline:
        login(host, port, user, password, mechanism)
        done += 1
    return done


def main():
    address, user, password, mechanism, duration, workers = sys.argv[1:7]
    host, port = address.rsplit(":", 1)
    duration, workers = float(duration), int(workers)
    login(host, int(port), user, password, mechanism)  # fail fast on a bad setup
    t0 = time.monotonic()
    with multiprocessing.Pool(workers) as pool:
        counts = pool.map(worker, [(host, int(port), user, password, mechanism, duration)] * workers)
    elapsed = time.monotonic() - t0
    print(f"{mechanism}: {sum(counts)} authentications in {elapsed:.1f} s = "
          f"{sum(counts) / elapsed:.0f} auth/s ({workers} client processes)")


if __name__ == "__main__":
    main()
