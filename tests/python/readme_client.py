"""The README's Python client, run as a reader would run it, against the real server.

Takes the protoc command, the client code and its printed output from the README's
"Generating clients" section, so that the README is what is tested: generates the code with
grpcio-tools into a temporary directory, starts `gazette serve` on 127.0.0.1:0 (the bound
address is read from its log), waits on health until SERVING (a Watch stream, no polling),
runs the example (Extract, ExtractStream and ExtractBatch) and compares what it prints. Then
checks the "Client receive limits" section of docs/operations.md: a response between 4 and 8
MiB fails in a client with grpcio's default receive limit and arrives with the limit the
README sets, and a response over the server's message limit fails with OUT_OF_RANGE. Last,
the "Compression" section of docs/operations.md with grpcio: a gzip request is
answered (grpcio accepts gzip responses by default), and `x-request-id` comes back.

    pip install grpcio==1.85.1 grpcio-tools==1.85.1 grpcio-health-checking==1.85.1
    python3 tests/python/readme_client.py target/debug/gazette

Needs: grpcio, grpcio-tools, grpcio-health-checking. Exits non-zero on any difference.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
README_ADDR = "127.0.0.1:50051"


def section(text, title, level="###", name="README"):
    """The text of the `### title` (or `level title`) section, up to the next heading."""
    m = re.search(r"^" + level + " " + re.escape(title) + r"\n(.*?)(?=^#{2,3} |\Z)", text, re.S | re.M)
    if not m:
        sys.exit(f"{name} has no '{level} {title}' section")
    return m.group(1)


def blocks(text):
    """The indented (4-space) code blocks of a Markdown text, dedented."""
    found, current = [], None
    for line in text.split("\n") + ["end"]:
        if line.startswith("    ") or (current is not None and not line.strip()):
            current = (current or []) + [line[4:]]
        elif current is not None:
            found.append("\n".join(current).strip("\n") + "\n")
            current = None
    return found


def start_server(binary, *args):
    """Starts `gazette serve` on a port the system chooses; returns (process, address)."""
    proc = subprocess.Popen(
        [binary, "--log-format", "json", "--gazetteers", os.path.join(ROOT, "gazetteers"),
         "serve", "--addr", "127.0.0.1:0", *args],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:
        try:
            event = json.loads(line)
        except ValueError:
            continue
        addr = event.get("fields", {}).get("addr") or event.get("addr")
        if addr:
            # Keep draining the log so that the server never blocks on a full pipe.
            threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
            return proc, addr
    sys.exit(f"gazette serve exited ({proc.wait()}) before logging its address")


def wait_serving(addr):
    """Blocks until the health service reports SERVING (server push, no polling)."""
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    with grpc.insecure_channel(addr) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for reply in health.Watch(health_pb2.HealthCheckRequest(service=""), timeout=120):
            if reply.status == health_pb2.HealthCheckResponse.SERVING:
                return
    sys.exit("health stream ended before SERVING")


def check(name, got, want):
    if got != want:
        sys.exit(f"FAIL {name}:\n--- want\n{want!r}\n--- got\n{got!r}")
    print(f"ok   {name}")


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/debug/gazette"))
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    clients = section(readme, "Generating clients")
    code_blocks = blocks(clients)
    protoc = [b for b in code_blocks if "grpc_tools.protoc" in b]
    example = [b for b in code_blocks if "gazette_pb2_grpc" in b]
    if len(protoc) != 1 or len(example) != 1:
        sys.exit("README 'Generating clients' needs one protoc block and one client block")
    later = code_blocks[code_blocks.index(example[0]) + 1:]
    if not later:
        sys.exit("README 'Generating clients' needs the example's output after it")
    expected_output = later[0]
    example = example[0]
    check("README example connects to the documented address", example.count(README_ADDR), 1)

    # A folder of the user's own, with GAZETTE pointing at the repository, as the README says.
    work = tempfile.mkdtemp(prefix="gazette-readme-client-")
    commands = [c for c in protoc[0].splitlines() if "grpc_tools.protoc" in c]
    for command in commands:
        subprocess.run(command.replace("python3", sys.executable, 1), shell=True, cwd=work, check=True,
                       env={**os.environ, "GAZETTE": ROOT})
    check("generated modules exist",
          sorted(os.listdir(os.path.join(work, "gazette", "v1"))),
          ["gazette_pb2.py", "gazette_pb2_grpc.py"])

    proc, addr = start_server(binary)
    try:
        wait_serving(addr)
        script = os.path.join(work, "gazette_client.py")
        with open(script, "w", encoding="utf-8") as f:
            f.write(example.replace(README_ADDR, addr))
        run = subprocess.run([sys.executable, script], cwd=work, capture_output=True, text=True, timeout=120)
        if run.returncode != 0:
            sys.exit(f"FAIL README example exited {run.returncode}:\n{run.stderr}")
        check("README example prints what the README shows", run.stdout, expected_output)
        receive_limits(work, addr, readme)
        compression(addr)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print("readme client: all checks passed")


def receive_limits(work, addr, readme):
    """A response over 4 MiB needs the receive limit the README sets; over 8 MiB, OUT_OF_RANGE."""
    sys.path.insert(0, work)
    import grpc
    from gazette.v1 import gazette_pb2, gazette_pb2_grpc

    operations = open(os.path.join(ROOT, "docs", "operations.md"), encoding="utf-8").read()
    limits = section(operations, "Client receive limits", "##", "docs/operations.md")
    check("docs/operations.md names grpcio's option", "grpc.max_receive_message_length" in limits, True)
    check("the README's client sets it", "grpc.max_receive_message_length" in section(readme, "Generating clients"), True)
    # Dense text: every word a place, so the response is about ten times the text.
    unit = "Iran, Iraq, Oman. "

    def extract(channel, repeat):
        stub = gazette_pb2_grpc.EntityExtractorStub(channel)
        return stub.Extract(gazette_pb2.ExtractRequest(text=unit * repeat), timeout=300)

    big = 8 * 1024 * 1024
    options = [("grpc.max_receive_message_length", big)]
    with grpc.insecure_channel(addr, options=options) as raised:
        # Find how large a response one unit makes, then pick a text whose response lies
        # between grpcio's default 4 MiB and the server's 8 MiB.
        per_unit = extract(raised, 100).ByteSize() / 100
        repeat = int(6 * 1024 * 1024 / per_unit)
        response = extract(raised, repeat)
        size = response.ByteSize()
        check("response of %d bytes of text lies between 4 and 8 MiB" % (len(unit) * repeat),
              4 * 1024 * 1024 < size <= big, True)
        check("mentions in it", len(response.mentions), 3 * repeat)
        with grpc.insecure_channel(addr) as default:
            try:
                extract(default, repeat)
                sys.exit("FAIL a default grpcio client accepted a response over 4 MiB")
            except grpc.RpcError as e:
                check("default grpcio client refuses it", e.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        try:
            extract(raised, repeat * 2)
            sys.exit("FAIL a response over the server's message limit was sent")
        except grpc.RpcError as e:
            check("response over --max-message-bytes", e.code(), grpc.StatusCode.OUT_OF_RANGE)
            check("its message names the limit", "--max-message-bytes" in e.details(), True)


def compression(addr):
    """grpcio's gzip (it has no zstd): the request compressed, the response too."""
    import grpc
    from gazette.v1 import gazette_pb2, gazette_pb2_grpc

    sentence = "Putin met Netanyahu in Zurich. "
    with grpc.insecure_channel(addr) as plain:
        one = gazette_pb2_grpc.EntityExtractorStub(plain).Extract(gazette_pb2.ExtractRequest(text=sentence), timeout=60)
    with grpc.insecure_channel(addr, compression=grpc.Compression.Gzip) as channel:
        stub = gazette_pb2_grpc.EntityExtractorStub(channel)
        response, call = stub.Extract.with_call(
            gazette_pb2.ExtractRequest(text=sentence * 200),
            metadata=[("x-request-id", "python-gzip-1")],
            compression=grpc.Compression.Gzip,
            timeout=60,
        )
        check("gzip request: mentions", len(response.mentions), 200 * len(one.mentions))
        check("some mentions at all", len(one.mentions) > 0, True)
        check("x-request-id echoed", dict(call.initial_metadata()).get("x-request-id"), "python-gzip-1")


if __name__ == "__main__":
    main()
