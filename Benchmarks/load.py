#!/usr/bin/env python3
"""Open-loop HTTP load for Benchmarks/load.sh (standard library only).

load:  requests are scheduled at a fixed rate whatever the answers; each latency is measured
       from the moment the request was due, so a slow server cannot hide its queue
       (no coordinated omission). Alongside, IDLE connections are opened and held without a
       request; those the server closes (its idle timeout) are opened again and counted.
herd:  COUNT clients connect at once and each sends one request (catalogue G5).

Prints one JSON object.
"""
import argparse
import asyncio
import json
import random
import time


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["load", "herd"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rate", type=float, default=2000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--idle", type=int, default=1000)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--paths", required=True, help="file: one 'GET path' or 'POST path file' per line")
    return parser.parse_args()


def requests_from(file_name, port):
    """The request mix: (weight, bytes) pairs from lines 'WEIGHT GET PATH' or 'WEIGHT POST PATH BODYFILE'."""
    mix = []
    for line in open(file_name):
        parts = line.split()
        if not parts:
            continue
        weight, method, path = int(parts[0]), parts[1], parts[2]
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\n"
        if method == "POST":
            body = open(parts[3], "rb").read()
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            mix.append((weight, head.encode() + b"\r\n" + body))
        else:
            mix.append((weight, head.encode() + b"\r\n"))
    return mix


async def read_response(reader):
    """Reads one response; returns its status."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed")
    status = int(status_line.split()[1])
    length = 0
    chunked = False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value.strip())
        if name.lower() == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readline()).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


def percentile(sorted_values, fraction):
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


async def hold_idle(port, count, stop, stats):
    """Holds `count` connections open without a request, reopening those the server closes."""
    async def one():
        while not stop.is_set():
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                stats["idle_connect_errors"] += 1
                await asyncio.sleep(0.5)
                continue
            stats["idle_open"] += 1
            closed = asyncio.ensure_future(reader.read(1))
            stopped = asyncio.ensure_future(stop.wait())
            await asyncio.wait([closed, stopped], return_when=asyncio.FIRST_COMPLETED)
            stopped.cancel()
            writer.close()
            if not closed.done():
                closed.cancel()
                return
            stats["idle_closed_by_server"] += 1

    await asyncio.gather(*(one() for _ in range(count)))


async def load(args):
    mix = requests_from(args.paths, args.port)
    weights = [weight for weight, _ in mix]
    total = int(args.rate * args.seconds)
    queue = asyncio.Queue()
    latencies, statuses, errors = [], {}, [0]
    stop = asyncio.Event()
    idle_stats = {"idle_open": 0, "idle_closed_by_server": 0, "idle_connect_errors": 0}
    idle = asyncio.ensure_future(hold_idle(args.port, args.idle, stop, idle_stats))
    await asyncio.sleep(2)  # let the idle connections open first

    async def worker():
        reader = writer = None
        while True:
            item = await queue.get()
            if item is None:
                break
            due, request = item
            for attempt in range(2):
                try:
                    if writer is None:
                        reader, writer = await asyncio.open_connection("127.0.0.1", args.port)
                    writer.write(request)
                    status = await read_response(reader)
                    latencies.append(time.monotonic() - due)
                    statuses[status] = statuses.get(status, 0) + 1
                    break
                except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError, IndexError):
                    if writer is not None:
                        writer.close()
                    reader = writer = None
                    if attempt == 1:
                        errors[0] += 1

    workers = [asyncio.ensure_future(worker()) for _ in range(args.connections)]
    rng = random.Random(1)
    start = time.monotonic()
    for number in range(total):
        due = start + number / args.rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((due, rng.choices(mix, weights)[0][1]))
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    elapsed = time.monotonic() - start
    stop.set()
    await idle
    latencies.sort()
    server_errors = sum(count for status, count in statuses.items() if status >= 500)
    return {
        "scheduled": total,
        "completed": len(latencies),
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "seconds": round(elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "p999_ms": round(percentile(latencies, 0.999) * 1000, 2),
        "max_ms": round(latencies[-1] * 1000, 2),
        "statuses": {str(key): value for key, value in sorted(statuses.items())},
        "server_errors": server_errors,
        "connection_errors": errors[0],
        **idle_stats,
    }


async def herd(args):
    mix = requests_from(args.paths, args.port)
    request = mix[0][1]
    statuses, errors = {}, [0]
    start = time.monotonic()
    finished = []

    async def client():
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", args.port)
            writer.write(request)
            status = await read_response(reader)
            statuses[status] = statuses.get(status, 0) + 1
            writer.close()
        except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError, IndexError):
            errors[0] += 1
        finished.append(time.monotonic() - start)

    await asyncio.gather(*(client() for _ in range(args.count)))
    finished.sort()
    return {
        "clients": args.count,
        "all_answered_ms": round(finished[-1] * 1000, 1),
        "p50_ms": round(percentile(finished, 0.5) * 1000, 1),
        "statuses": {str(key): value for key, value in sorted(statuses.items())},
        "connection_errors": errors[0],
    }


def main():
    args = parse_args()
    result = asyncio.run(load(args) if args.mode == "load" else herd(args))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
