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


def client(url: str, seconds: float, jpeg: bytes, fps_out: list[float]) -> None:
    with connect(url, max_size=None) as ws:
        ws.send(json.dumps({"type": "start", "scenario": "Load test"}))
        ws.recv()
        frames, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            ws.send(struct.pack(">I", frames) + jpeg)
            ws.recv()
            frames += 1
        fps_out.append(frames / (time.perf_counter() - start))
        ws.send(json.dumps({"type": "stop"}))
        ws.recv()


def run(url: str, clients: int, seconds: float) -> list[float]:
    jpeg, fps = frame_jpeg(), []
    threads = [threading.Thread(target=client, args=(url, seconds, jpeg, fps)) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(fps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="ws://127.0.0.1:8000/ws/live")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--max", type=int, default=16)
    args = parser.parse_args()
    held = 0
    for n in range(1, args.max + 1):
        fps = run(args.url, n, args.seconds)
        print(f"{n} session(s): min {fps[0]:.1f} FPS, mean {sum(fps) / n:.1f} FPS, total {sum(fps):.1f} FPS")
        if fps[0] < 10:
            break
        held = n
    print(f"held at >= 10 FPS each: {held} concurrent session(s)")


if __name__ == "__main__":
    main()
