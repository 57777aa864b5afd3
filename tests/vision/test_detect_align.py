"""Detection and alignment on real faces."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from tests.conftest import face_grid

from emolens.types import BBox, Face
from emolens.vision.align import align_faces, alignment_matrix
from emolens.vision.detect import HaarDetector, MediaPipeDetector, _may_miss_small_faces, make_detector


@pytest.fixture(scope="module")
def mediapipe() -> MediaPipeDetector:
    return MediaPipeDetector()


@pytest.mark.parametrize("name", ["mediapipe", "haar"])
def test_each_detector_finds_the_astronaut(name: str, astronaut_bgr: np.ndarray) -> None:
    faces = make_detector(name).detect(astronaut_bgr)
    assert len(faces) == 1
    face = faces[0]
    x1, y1, x2, y2 = face.bbox.xyxy
    assert 150 < (x1 + x2) / 2 < 280 and 50 < (y1 + y2) / 2 < 200  # her face, not the flag or the helmet
    (rx, ry), (lx, _ly) = face.eyes_xy
    assert x1 <= rx < lx <= x2 and y1 <= ry <= y2
    assert face.score == pytest.approx({"mediapipe": 0.912, "haar": 0.999}[name], abs=0.01)


def test_no_face_in_a_blank_or_noise_image(mediapipe: MediaPipeDetector) -> None:
    assert mediapipe.detect(np.full((480, 640, 3), 127, np.uint8)) == []
    noise = np.random.default_rng(0).integers(0, 256, (480, 640, 3), dtype=np.uint8)
    assert mediapipe.detect(noise) == []


def test_ten_faces_are_all_found(astronaut_bgr: np.ndarray) -> None:
    grid = face_grid(astronaut_bgr, 5, 2)
    faces = MediaPipeDetector(tile_px=320).detect(grid)
    assert len(faces) == 10
    centers = sorted((round(f.bbox.center[1] / 200), round(f.bbox.center[0] / 200)) for f in faces)
    assert len(set(centers)) == 10


def test_tiling_finds_faces_too_small_for_one_pass(astronaut_bgr: np.ndarray) -> None:
    grid = face_grid(astronaut_bgr, 4, 3, tile_px=160)  # 640x480, faces ~30 px wide
    one_pass = len(MediaPipeDetector().detect(grid))
    tiled = len(MediaPipeDetector(tile_px=320).detect(grid))
    assert one_pass < 12 and tiled == 12


def test_auto_tiling_keeps_the_small_face_recall(astronaut_bgr: np.ndarray) -> None:
    grid = face_grid(astronaut_bgr, 4, 3, tile_px=160)  # every face under a tenth of the side: tiles run
    assert len(MediaPipeDetector(tile_px=320, tiles="auto").detect(grid)) == 12


def test_auto_tiling_skips_tiles_only_when_every_face_is_well_above_the_limit() -> None:
    def face(width: float) -> Face:
        return Face(BBox(10, 10, 10 + width, 10 + width), np.zeros((4, 2), np.float32), 0.9)

    assert _may_miss_small_faces([], 640, 480)
    assert _may_miss_small_faces([face(200), face(50)], 640, 480)  # 50 < 64 px, a tenth of 640
    assert not _may_miss_small_faces([face(80)], 640, 480)
    assert _may_miss_small_faces([face(80)], 1280, 720)


def test_auto_tiling_finds_what_always_finds_on_a_portrait(astronaut_bgr: np.ndarray) -> None:
    portrait = face_grid(astronaut_bgr, 1, 1, tile_px=480)
    auto = MediaPipeDetector(tile_px=320, tiles="auto").detect(portrait)
    always = MediaPipeDetector(tile_px=320).detect(portrait)
    assert len(auto) == len(always) == 1
    assert auto[0].bbox.iou(always[0].bbox) > 0.9


def test_haar_is_a_real_second_opinion(astronaut_bgr: np.ndarray) -> None:
    assert HaarDetector().detect(np.full((200, 200, 3), 127, np.uint8)) == []


@pytest.mark.parametrize("angle", [-25, 0, 20])
def test_alignment_levels_the_eyes(mediapipe: MediaPipeDetector, astronaut_bgr: np.ndarray, angle: float) -> None:
    h, w = astronaut_bgr.shape[:2]
    rotated = cv2.warpAffine(astronaut_bgr, cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1), (w, h))
    face = mediapipe.detect(rotated)[0]
    matrix = alignment_matrix(face, 48)
    eyes = face.landmarks[:2] @ matrix[:, :2].T + matrix[:, 2]
    assert abs(eyes[0, 1] - eyes[1, 1]) < 1.5  # level within 1.5 px of 48
    assert 14 < eyes[:, 1].mean() < 24  # FER2013 framing puts the eyes at ~0.4 of the height
    crops = align_faces(rotated, [face], 48)
    assert crops.shape == (1, 48, 48) and crops.dtype == np.uint8 and crops.std() > 20
