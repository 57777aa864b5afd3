"""How many concurrent live sessions one `emolens serve` holds at >= 10 FPS each.

Usage: python benchmarks/live_sessions.py --url ws://127.0.0.1:8000/ws/live --seconds 10 --max 16
Each client sends a 320x240 JPEG of a face (skimage's astronaut), waits for the reply, sends the next
(as the browser does); the script raises the number of clients until the slowest falls below 10 FPS.
"""

from __future__ import annotations

import argparse
import json
import struct
import threading
import time

import cv2
import numpy as np
from skimage.data import astronaut
from websockets.sync.client import connect


def frame_jpeg() -> bytes:
    canvas = np.full((240, 320, 3), 70, np.uint8)
    canvas[20:220, 60:260] = cv2.resize(cv2.cvtColor(astronaut(), cv2.COLOR_RGB2BGR), (200, 200))
    return cv2.imencode(".jpg", canvas, [cv2.IMWRITE_JPEG_QUALITY, 75])[1].tobytes()


def client(url: str, seconds: float, jpeg: bytes, fps_out: list[float], acks_ms: list[float]) -> None:
    with connect(url, max_size=None) as ws:
        ws.send(json.dumps({"type": "start", "scenario": "Load test"}))
        ws.recv()
        frames, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            sent = time.perf_counter()
            ws.send(struct.pack(">I", frames) + jpeg)
            ws.recv()
            acks_ms.append((time.perf_counter() - sent) * 1000)
            frames += 1
        fps_out.append(frames / (time.perf_counter() - start))
        ws.send(json.dumps({"type": "stop"}))
        ws.recv()


def run(url: str, clients: int, seconds: float) -> tuple[list[float], float]:
    """Each client's FPS (ascending) and the p95 of every frame's send-to-reply time in ms."""
    jpeg, fps, acks_ms = frame_jpeg(), [], []
    threads = [threading.Thread(target=client, args=(url, seconds, jpeg, fps, acks_ms)) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(fps), float(np.percentile(acks_ms, 95))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="ws://127.0.0.1:8000/ws/live")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--max", type=int, default=16)
    parser.add_argument("--min", type=int, default=1, help="start at this many sessions")
    args = parser.parse_args()
    held = 0
    for n in range(args.min, args.max + 1):
        fps, p95_ms = run(args.url, n, args.seconds)
        mean, total = sum(fps) / n, sum(fps)
        print(f"{n} session(s): min {fps[0]:.1f} FPS, mean {mean:.1f}, total {total:.1f}, p95 ack {p95_ms:.0f} ms")
        if fps[0] < 10:
            break
        held = n
    print(f"held at >= 10 FPS each: {held} concurrent session(s)")


if __name__ == "__main__":
    main()
