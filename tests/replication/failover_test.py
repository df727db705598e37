#!/usr/bin/python3
"""Production parity for replication: 3 real quanta-node processes on 127.0.0.1.

Writes through the primary, kills it with SIGKILL, waits for a new primary to
acknowledge a write (the wall-clock failover time is printed), checks that every
acknowledged write is on the survivors and that they agree, then restarts the killed
node and checks it rejoins and catches up (same applied index and row hash). The
nodes compact their Raft log every 20 entries, and more than that are written while
the killed node is down: it can only catch up from a snapshot streamed by the primary.
Last, a replica's store is damaged while it is down: it must rebuild it from a peer.

usage: failover_test.py QUANTA_NODE QUANTA_KV
Bounded: every wait has a deadline; all processes are killed on exit.
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

NODE, KV = sys.argv[1], sys.argv[2]
WRITES_BEFORE = 40
WRITES_WHILE_DOWN = 60  # well past the compaction point: the rejoin needs a snapshot


def free_ports(n):
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def kv(address, *args, timeout_ms=2000):
    p = subprocess.run([KV, "--address", address, "--timeout_ms", str(timeout_ms), *args],
                       capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout.strip(), p.stderr.strip()


def status(address):
    rc, out, _ = kv(address, "status", timeout_ms=1000)
    if rc != 0:
        return None
    return dict(field.split("=", 1) for field in out.split())


def wait_for(what, predicate, deadline_s):
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise SystemExit(f"FAIL: timed out after {deadline_s}s waiting for {what}")


def current_store(root, i):
    """The directory of node i's live store generation (CURRENT, or store-1 without one)."""
    data = os.path.join(root, f"n{i}", "data")
    generation = "store-1"  # a store that never switched has no CURRENT
    if os.path.exists(os.path.join(data, "CURRENT")):
        with open(os.path.join(data, "CURRENT")) as f:
            generation = f.read().strip()
    return os.path.join(data, generation)


class Cluster:
    def __init__(self, root):
        ports = free_ports(9)
        self.root = root
        self.clients = {}
        members = []
        for i in (1, 2, 3):
            raft, repl, client = ports[3 * (i - 1):3 * i]
            members.append(f"{i}=127.0.0.1:{raft}:{repl}:{client}")
            self.clients[i] = f"127.0.0.1:{client}"
        self.members = ",".join(members)
        self.procs = {}

    def start(self, i):
        log = open(os.path.join(self.root, f"node{i}.log"), "a")
        self.procs[i] = subprocess.Popen(
            [NODE, "--id", str(i), "--members", self.members, "--data", os.path.join(self.root, f"n{i}"),
             "--snapshot_entries", "20", "--snapshot_keep_entries", "5"],
            stdout=log, stderr=log)

    def kill(self, i):
        self.procs[i].send_signal(signal.SIGKILL)
        self.procs[i].wait(timeout=10)

    def stop_all(self):
        for p in self.procs.values():
            if p.poll() is None:
                p.kill()
                p.wait(timeout=10)

    def primary(self, among):
        for i in among:
            s = status(self.clients[i])
            if s and s["primary"] == "1":
                return i
        return None


def main():
    root = tempfile.mkdtemp(prefix="quanta-failover-")
    c = Cluster(root)
    try:
        for i in (1, 2, 3):
            c.start(i)
        first = wait_for("a primary", lambda: c.primary((1, 2, 3)), 20)
        acked = {}
        for n in range(WRITES_BEFORE):
            key, value = f"k{n}", f"v{n}"
            rc, _, err = kv(c.clients[first], "put", key, value)
            if rc != 0:
                raise SystemExit(f"FAIL: write {key} to the primary failed: {err}")
            acked[key] = value
        print(f"primary is node {first}; {len(acked)} writes acknowledged")

        c.kill(first)
        killed_at = time.monotonic()
        survivors = [i for i in (1, 2, 3) if i != first]

        def write_after_kill():
            for i in survivors:
                rc, _, _ = kv(c.clients[i], "put", "after-kill", "x", timeout_ms=1000)
                if rc == 0:
                    return i
            return None
        second = wait_for("a new primary to acknowledge a write", write_after_kill, 30)
        failover = time.monotonic() - killed_at
        acked["after-kill"] = "x"
        print(f"failover: node {first} killed; node {second} acknowledged a write after {failover:.2f} s (wall clock)")

        for key, value in acked.items():
            rc, out, err = kv(c.clients[second], "get", key)
            if rc != 0 or out != value:
                raise SystemExit(f"FAIL: acknowledged {key}={value} reads rc={rc} '{out}' {err} on node {second}")

        def converged(nodes):
            states = [status(c.clients[i]) for i in nodes]
            if any(s is None for s in states):
                return False
            return len({(s["applied"], s["hash"]) for s in states}) == 1 and states
        wait_for("the survivors to agree", lambda: converged(survivors), 15)
        print(f"all {len(acked)} acknowledged writes present; survivors agree")

        for n in range(WRITES_WHILE_DOWN):
            rc, _, err = kv(c.clients[second], "put", f"down{n}", "z")
            if rc != 0:
                raise SystemExit(f"FAIL: write while node {first} is down failed: {err}")
        c.start(first)
        for n in range(10):
            rc, _, err = kv(c.clients[second], "put", f"rejoin{n}", "y")
            if rc != 0:
                raise SystemExit(f"FAIL: write during the rejoin failed: {err}")
        rejoin_start = time.monotonic()
        states = wait_for("the restarted node to catch up", lambda: converged((1, 2, 3)), 30)
        print(f"node {first} rejoined and caught up in {time.monotonic() - rejoin_start:.2f} s "
              f"(applied index {states[0]['applied']} on all three)")
        # Its log was compacted away on the others: it must have installed a snapshot
        # as a new store generation.
        generation = os.path.basename(current_store(root, first))
        if generation == "store-1":
            raise SystemExit(f"FAIL: node {first} caught up without installing a snapshot")
        print(f"node {first} caught up from a snapshot (its store is now {generation})")

        # Damage a replica's store while it is down: it must rebuild the store from a
        # peer's snapshot (keeping its raft log) and converge again.
        # The rejoined node when it is a replica: its store came from a snapshot, so
        # its WAL is short and the damage may read as a torn tail (the store then lags
        # the raft log's snapshot, which must also trigger the rebuild).
        primary_now = c.primary((1, 2, 3))
        replica = first if first != primary_now else next(i for i in (1, 2, 3) if i != primary_now)
        c.kill(replica)
        store = current_store(root, replica)
        wal_dir = os.path.join(store, "wal")
        segment = os.path.join(wal_dir, sorted(os.listdir(wal_dir))[0])
        with open(segment, "r+b") as f:
            f.seek(600)  # inside an early record: later records prove it was synced
            byte = f.read(1)
            f.seek(600)
            f.write(bytes([byte[0] ^ 0xFF]))
        c.start(replica)
        rebuild_start = time.monotonic()
        states = wait_for("the damaged replica to rebuild and converge", lambda: converged((1, 2, 3)), 30)
        if current_store(root, replica) == store:
            raise SystemExit(f"FAIL: node {replica} converged without rebuilding its damaged store")
        print(f"node {replica}'s damaged store was rebuilt from a peer in {time.monotonic() - rebuild_start:.2f} s "
              f"(applied index {states[0]['applied']} on all three)")
        print("PASS")
    finally:
        c.stop_all()


if __name__ == "__main__":
    main()
