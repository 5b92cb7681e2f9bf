"""A real Redis Cluster on loopback for tests: three masters and three replicas, started from the
same ``redis-server`` binary as the embedded server and joined with ``redis-cli --cluster``."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import redis

from devtools.embedded_redis import EmbeddedRedis, redis_server_binary

NODE_TIMEOUT_MS = 2000


class LocalCluster:
    def __init__(self, base_dir: Path, ports: list[int]):
        assert len(ports) == 6
        self.ports = ports
        self.nodes = {
            port: EmbeddedRedis(
                None,
                str(base_dir / f"node-{port}"),
                port=port,
                extra_args=[
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    "nodes.conf",
                    "--cluster-node-timeout",
                    str(NODE_TIMEOUT_MS),
                    # keep serving the slots that are still covered while one master fails over
                    "--cluster-require-full-coverage",
                    "no",
                ],
            )  # fmt: skip
            for port in ports
        }

    @property
    def url(self) -> str:
        return f"redis+cluster://127.0.0.1:{self.ports[0]}"

    def start(self) -> LocalCluster:
        for node in self.nodes.values():
            node.start()
        cli = str(Path(redis_server_binary()).with_name("redis-cli"))
        addresses = [f"127.0.0.1:{port}" for port in self.ports]
        subprocess.run(
            [cli, "--cluster", "create", *addresses, "--cluster-replicas", "1", "--cluster-yes"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        self.wait_ok()
        return self

    def stop(self) -> None:
        for node in self.nodes.values():
            node.stop()

    def client(self, port: int) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=port, socket_timeout=2)

    def wait_ok(self, timeout: float = 60) -> None:
        """Until every live node says cluster_state:ok and every slot has a master."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            states = []
            for port, node in self.nodes.items():
                if node.pid is None:
                    continue
                try:
                    states.append(self.client(port).cluster("info")["cluster_state"])
                except redis.RedisError:
                    states.append("down")
            if states and all(state == "ok" for state in states):
                return
            time.sleep(0.2)
        raise TimeoutError("the cluster did not become ok")

    def master_port_for(self, key: str) -> int:
        client = self.client(self.ports[0])
        slot = client.cluster("keyslot", key)
        for start, end, master, *_ in client.cluster("slots"):
            if start <= slot <= end:
                return int(master[1])
        raise LookupError(slot)

    def master_ports(self, port: int | None = None) -> set[int]:
        """The masters serving slots, as node ``port`` (default: the first) sees them."""
        slots = self.client(port or self.ports[0]).cluster("slots")
        return {int(entry[2][1]) for entry in slots}

    def kill(self, port: int) -> None:
        """SIGKILL one node, as a crash would."""
        self.nodes[port].kill()

    def wait_failover(self, dead_port: int, timeout: float = 60) -> int:
        """Until a replica has taken over the dead master's slots; returns the new master."""
        deadline = time.monotonic() + timeout
        survivor = next(p for p in self.ports if p != dead_port and self.nodes[p].pid)
        while time.monotonic() < deadline:
            try:
                masters = self.master_ports(survivor)
                if dead_port not in masters:
                    self.wait_ok(timeout=max(1, deadline - time.monotonic()))
                    return next(iter(masters - set()))
            except redis.RedisError:
                pass
            time.sleep(0.2)
        raise TimeoutError("no failover")


def ports_free(count: int) -> list[int]:
    """Ports whose +10000 cluster bus port is free too (binding both at once to be sure)."""
    import socket

    chosen: list[int] = []
    held = []
    while len(chosen) < count:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        if port + 10000 > 65535:
            sock.close()
            continue
        bus = socket.socket()
        try:
            bus.bind(("127.0.0.1", port + 10000))
        except OSError:
            sock.close()
            continue
        held += [sock, bus]
        chosen.append(port)
    for sock in held:
        sock.close()
    return chosen


__all__ = ["LocalCluster", "ports_free"]
