"""Resident memory of `gazette serve`, to size the Kubernetes memory request and limit.

Starts the server on 127.0.0.1:0 with the default gazetteers, waits on health for SERVING,
and reads /proc/PID/status (VmRSS now, VmHWM the peak so far) at four points: once serving
(idle), after a SIGHUP reload (which holds the old and the new gazetteer set at once), after
one Extract of a 4 MiB text of news (the bench article repeated to the default text limit),
and after 16 such calls at once over two connections (what the default budgets admit). Prints the median over the runs, in MiB.

    pip install grpcio==1.85.1 grpcio-tools==1.85.1 grpcio-health-checking==1.85.1
    python3 .deploy/measure-memory.py target/release/gazette --runs 3
"""

import argparse
import concurrent.futures
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) / 1024  # kB -> MiB
    return fields


def generate(work):
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I", os.path.join(ROOT, "proto"),
                    f"--python_out={work}", f"--grpc_python_out={work}", "gazette/v1/gazette.proto"], check=True)
    sys.path.insert(0, work)


def run_once(binary):
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc
    from gazette.v1 import gazette_pb2, gazette_pb2_grpc

    proc = subprocess.Popen([binary, "--log-format", "json", "--gazetteers", os.path.join(ROOT, "gazetteers"),
                             "serve", "--addr", "127.0.0.1:0"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    events, addr = [], None
    reloaded = threading.Event()
    for line in proc.stderr:
        event = json.loads(line)
        addr = event.get("fields", {}).get("addr")
        if addr:
            break

    def drain():
        for line in proc.stderr:
            if "gazetteers reloaded" in line or "reload failed" in line:
                events.append(line)
                reloaded.set()
    threading.Thread(target=drain, daemon=True).start()
    out = {}
    try:
        limit = [("grpc.max_receive_message_length", 64 << 20), ("grpc.max_send_message_length", 64 << 20)]
        with grpc.insecure_channel(addr, options=limit) as channel:
            for reply in health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(service=""), timeout=120):
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    break
            s = status(proc.pid)
            out["idle RSS"], out["peak while loading"] = s["VmRSS"], s["VmHWM"]
            proc.send_signal(signal.SIGHUP)
            if not reloaded.wait(120):
                sys.exit("no reload logged")
            s = status(proc.pid)
            out["RSS after reload"], out["peak during reload"] = s["VmRSS"], s["VmHWM"]
            article = open(os.path.join(ROOT, "tests/data/bench/article.txt"), encoding="utf-8").read()
            text = (article * (4 * 1024 * 1024 // len(article.encode())))
            stub = gazette_pb2_grpc.EntityExtractorStub(channel)

            def call(_):
                try:
                    stub.Extract(gazette_pb2.ExtractRequest(text=text), timeout=300)
                    return "OK"
                except grpc.RpcError as e:
                    return e.code().name
            out["one 4 MiB call: " + call(0)] = None
            s = status(proc.pid)
            out["peak with one 4 MiB call"] = s["VmHWM"]
            # 16 texts at once over two connections: the most the default budgets admit
            # (--max-bytes-in-flight 64 MiB, --max-connection-bytes-in-flight 32 MiB).
            own = limit + [("grpc.use_local_subchannel_pool", 1)]
            with grpc.insecure_channel(addr, options=own) as a, grpc.insecure_channel(addr, options=own) as b:
                stubs = [gazette_pb2_grpc.EntityExtractorStub(c) for c in (a, b)]

                def call_on(i):
                    try:
                        stubs[i % 2].Extract(gazette_pb2.ExtractRequest(text=text), timeout=300)
                        return "OK"
                    except grpc.RpcError as e:
                        return e.code().name
                with concurrent.futures.ThreadPoolExecutor(16) as pool:
                    codes = sorted(set(pool.map(call_on, range(16))))
            out["16 concurrent 4 MiB calls on 2 connections: " + ",".join(codes)] = None
            s = status(proc.pid)
            out["peak with 16 concurrent 4 MiB calls"] = s["VmHWM"]
            out["RSS at the end"] = s["VmRSS"]
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary", nargs="?", default=os.path.join(ROOT, "target/release/gazette"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    generate(tempfile.mkdtemp(prefix="gazette-measure-"))
    runs = [run_once(os.path.abspath(args.binary)) for _ in range(args.runs)]
    for key in runs[0]:
        values = [r.get(key) for r in runs]
        if values[0] is None:
            print(f"{key} (in {sum(k == key for r in runs for k in r)} of {len(runs)} runs)")
        else:
            print(f"{key}: median {statistics.median(values):.0f} MiB  (runs: {', '.join(f'{v:.0f}' for v in values)})")


if __name__ == "__main__":
    main()
