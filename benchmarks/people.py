"""Recognition accuracy on built pairs and the added cost per frame; writes a JSON summary to stdout.

    .venv/bin/python benchmarks/people.py [--fer2013 ../shared/data/fer2013] [--strangers 300]

Genuine pairs: each enrolled photo (the astronaut, Grace Hopper) against transformed copies of itself.
Impostor pairs: each transformed copy against the other person, and FER2013 test faces (upscaled
48 px crops of strangers) against both enrolled people. Costs are medians on this machine's CPU.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import matplotlib
import numpy as np
from skimage.data import astronaut

from emolens import Analyzer
from emolens.vision.benchmark import time_call
from emolens.vision.io import Frame
from emolens.vision.recognize import DEFAULT_THRESHOLD, Gallery


def _shift(im: np.ndarray) -> np.ndarray:
    return cv2.copyMakeBorder(im, 110, 10, 150, 10, cv2.BORDER_CONSTANT, value=(60, 60, 60))


def _rotate(im: np.ndarray, degrees: float) -> np.ndarray:
    matrix = cv2.getRotationMatrix2D((im.shape[1] / 2, im.shape[0] / 2), degrees, 1.0)
    return cv2.warpAffine(im, matrix, (im.shape[1], im.shape[0]), borderMode=cv2.BORDER_REPLICATE)


def _jpeg(im: np.ndarray, quality: int) -> np.ndarray:
    return cv2.imdecode(cv2.imencode(".jpg", im, [cv2.IMWRITE_JPEG_QUALITY, quality])[1], cv2.IMREAD_COLOR)


TRANSFORMS = {
    "scale_0.5": lambda im: cv2.resize(im, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA),
    "scale_0.35": lambda im: cv2.resize(im, None, fx=0.35, fy=0.35, interpolation=cv2.INTER_AREA),
    "scale_1.6": lambda im: cv2.resize(im, None, fx=1.6, fy=1.6, interpolation=cv2.INTER_CUBIC),
    "shift": _shift,
    "brighter": lambda im: cv2.convertScaleAbs(im, alpha=1.1, beta=50),
    "darker": lambda im: cv2.convertScaleAbs(im, alpha=0.45),
    "mirror": lambda im: cv2.flip(im, 1),
    "rotate_10": lambda im: _rotate(im, 10),
    "blur": lambda im: cv2.GaussianBlur(im, (0, 0), 2.0),
    "jpeg_q15": lambda im: _jpeg(im, 15),
    "gray": lambda im: cv2.cvtColor(cv2.cvtColor(im, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR),
}


def _faces() -> dict[str, np.ndarray]:
    hopper = cv2.imread(str(Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"))
    return {"astronaut": cv2.cvtColor(astronaut(), cv2.COLOR_RGB2BGR), "hopper": hopper}


def _one_embedding(analyzer: Analyzer, image: np.ndarray) -> np.ndarray | None:
    faces = analyzer.detector.detect(image)
    return analyzer.recognizer.embed(image, faces[:1])[0] if faces else None


def pair_trials(analyzer: Analyzer) -> dict[str, object]:
    photos = _faces()
    enrolled = {name: analyzer.embed_one(photo) for name, photo in photos.items()}
    genuine, impostor, missed_detection = [], [], 0
    for name, photo in photos.items():
        for transform in TRANSFORMS.values():
            vector = _one_embedding(analyzer, transform(photo))
            if vector is None:
                missed_detection += 1
                continue
            for other, ref in enrolled.items():
                (genuine if other == name else impostor).append(float(np.linalg.norm(vector - ref)))
    return {"enrolled": enrolled, "genuine": genuine, "impostor": impostor, "missed_detection": missed_detection}


def fer_strangers(analyzer: Analyzer, root: Path, count: int) -> list[float]:
    """Distances of FER2013 test faces (upscaled to 192 px, framed) to the nearest enrolled person."""
    paths = sorted((root / "test").glob("*/PublicTest_*.jpg"))
    paths = paths[:: max(1, len(paths) // count)][:count]
    return [p for p in (_fer_distance(analyzer, path) for path in paths) if p is not None]


def _fer_distance(analyzer: Analyzer, path: Path) -> float | None:
    face = cv2.resize(cv2.imread(str(path)), (192, 192), interpolation=cv2.INTER_CUBIC)
    image = cv2.copyMakeBorder(face, 64, 64, 64, 64, cv2.BORDER_REPLICATE)
    vector = _one_embedding(analyzer, image)
    if vector is None:
        return None
    return float(analyzer.gallery.match(vector[None])[0].distance)


def _median_ms(fn, repeats: int = 15) -> float:
    return round(float(np.median(time_call(fn, repeats, warmup=1))), 1)


def costs(plain: Analyzer, named: Analyzer) -> dict[str, float]:
    photos = _faces()
    frame = cv2.resize(np.concatenate([cv2.resize(p, (320, 320)) for p in photos.values()], axis=1), (640, 320))
    faces = named.detector.detect(frame)

    def stream(analyzer: Analyzer) -> None:
        tracker = analyzer.new_tracker()
        for i in range(30):
            analyzer.analyze_frame(Frame(i, i / 30, frame), tracker)

    return {
        "embed_one_face_ms": _median_ms(lambda: named.recognizer.embed(frame, faces[:1])),
        "analyze_2_faces_plain_ms": _median_ms(lambda: plain.analyze(frame)),
        "analyze_2_faces_named_ms": _median_ms(lambda: named.analyze(frame)),
        "stream_frame_2_faces_plain_ms": round(_median_ms(lambda: stream(plain), 3) / 30, 1),
        "stream_frame_2_faces_named_ms": round(_median_ms(lambda: stream(named), 3) / 30, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fer2013", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/fer2013")
    parser.add_argument("--strangers", type=int, default=300)
    args = parser.parse_args()
    analyzer = Analyzer(small_faces="never")
    trials = pair_trials(analyzer)
    analyzer.gallery = Gallery(trials.pop("enrolled").items())
    genuine, impostor = np.array(trials["genuine"]), np.array(trials["impostor"])
    found = args.fer2013.is_dir()
    strangers = np.array(fer_strangers(analyzer, args.fer2013, args.strangers) if found else [])
    t = DEFAULT_THRESHOLD
    report = {
        "threshold": t,
        "genuine_pairs": len(genuine),
        "genuine_accepted": int((genuine <= t).sum()),
        "genuine_distance_max": round(float(genuine.max()), 3),
        "impostor_pairs": len(impostor),
        "impostor_accepted": int((impostor <= t).sum()),
        "impostor_distance_min": round(float(impostor.min()), 3),
        "missed_detection": trials["missed_detection"],
        "fer2013_strangers": len(strangers),
        "fer2013_strangers_named": int((strangers <= t).sum()),
        "fer2013_stranger_distance_min": round(float(strangers.min()), 3) if len(strangers) else None,
        **costs(
            Analyzer(small_faces="never"), Analyzer(small_faces="never", gallery=analyzer.gallery, refresh_every=30)
        ),
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
