"""Face recognition on real photos: the astronaut and Grace Hopper, enrolled and found again."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from tests.conftest import side_by_side, write_video

from emolens.errors import ConfigError, InvalidImageError, ModelLoadError
from emolens.vision.io import Frame
from emolens.vision.recognize import DlibRecognizer, Gallery


def _shifted(image: np.ndarray, dx: int, dy: int) -> np.ndarray:
    out = np.full((image.shape[0] + 120, image.shape[1] + 160, 3), 60, np.uint8)
    out[dy : dy + image.shape[0], dx : dx + image.shape[1]] = image
    return out


TRANSFORMS = {
    "scaled_down": lambda im: cv2.resize(im, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA),
    "scaled_up": lambda im: cv2.resize(im, None, fx=1.6, fy=1.6, interpolation=cv2.INTER_CUBIC),
    "shifted": lambda im: _shifted(im, 150, 110),
    "brighter": lambda im: cv2.convertScaleAbs(im, alpha=1.1, beta=50),
    "darker": lambda im: cv2.convertScaleAbs(im, alpha=0.45, beta=0),
}


@pytest.fixture(scope="module")
def recognizer() -> DlibRecognizer:
    return DlibRecognizer()


@pytest.fixture(scope="module")
def people_analyzer(recognizer, astronaut_bgr, hopper_bgr, tiny_model):
    from emolens import Analyzer

    analyzer = Analyzer(model=tiny_model, recognizer=recognizer, refresh_every=5)
    analyzer.gallery = Gallery(
        [("astronaut", analyzer.embed_one(astronaut_bgr)), ("hopper", analyzer.embed_one(hopper_bgr))]
    )
    return analyzer


def test_embeddings_are_128_d_and_stable(people_analyzer, astronaut_bgr):
    a = people_analyzer.embed_one(astronaut_bgr)
    b = people_analyzer.embed_one(astronaut_bgr.copy())
    assert a.shape == (128,) and a.dtype == np.float32
    assert np.allclose(a, b, atol=1e-5)


def test_the_two_people_are_far_apart(people_analyzer, astronaut_bgr, hopper_bgr):
    distance = np.linalg.norm(people_analyzer.embed_one(astronaut_bgr) - people_analyzer.embed_one(hopper_bgr))
    assert distance > 0.6


@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_astronaut_recognised_in_transformed_copies(people_analyzer, astronaut_bgr, name):
    predictions = people_analyzer.analyze(TRANSFORMS[name](astronaut_bgr))
    assert [p.person for p in predictions] == ["astronaut"]


@pytest.mark.parametrize("name", ["scaled_down", "brighter", "darker"])
def test_hopper_recognised_in_transformed_copies(people_analyzer, hopper_bgr, name):
    predictions = people_analyzer.analyze(TRANSFORMS[name](hopper_bgr))
    assert [p.person for p in predictions] == ["hopper"]


def test_two_enrolled_people_told_apart_in_one_frame(people_analyzer, astronaut_bgr, hopper_bgr):
    frame = side_by_side(cv2.convertScaleAbs(hopper_bgr, alpha=0.8), cv2.flip(astronaut_bgr, 1))
    predictions = sorted(people_analyzer.analyze(frame), key=lambda p: p.face.bbox.x1)
    assert [p.person for p in predictions] == ["hopper", "astronaut"]
    assert predictions[0].to_dict()["person"] == "hopper"


def test_unenrolled_face_stays_unknown(recognizer, people_analyzer, astronaut_bgr, hopper_bgr, tiny_model):
    from emolens import Analyzer

    only_hopper = Analyzer(
        model=tiny_model, recognizer=recognizer, gallery=Gallery([("hopper", people_analyzer.embed_one(hopper_bgr))])
    )
    assert [p.person for p in only_hopper.analyze(astronaut_bgr)] == [None]


def test_the_cameraman_is_a_stranger(people_analyzer):
    from skimage.data import camera

    predictions = people_analyzer.analyze(cv2.cvtColor(camera(), cv2.COLOR_GRAY2BGR))
    assert predictions and predictions[0].person is None


def test_removed_person_is_no_longer_recognised(recognizer, people_analyzer, astronaut_bgr, tiny_model):
    from emolens import Analyzer

    gallery = Gallery([("astronaut", people_analyzer.embed_one(astronaut_bgr))])
    analyzer = Analyzer(model=tiny_model, recognizer=recognizer, gallery=gallery)
    assert [p.person for p in analyzer.analyze(astronaut_bgr)] == ["astronaut"]
    gallery.remove("astronaut")
    assert gallery.people == [] and [p.person for p in analyzer.analyze(astronaut_bgr)] == [None]


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (np.full((300, 300, 3), 127, np.uint8), "found no face"),
        ("two", "found 2 faces"),
        ("tiny", "px wide"),
    ],
)
def test_enrolment_refuses_photos_without_exactly_one_usable_face(
    people_analyzer, astronaut_bgr, hopper_bgr, image, message
):
    if isinstance(image, str):
        image = (
            side_by_side(astronaut_bgr, hopper_bgr)
            if image == "two"
            else cv2.copyMakeBorder(cv2.resize(astronaut_bgr, (200, 200)), 80, 80, 80, 80, cv2.BORDER_CONSTANT)
        )
    with pytest.raises(InvalidImageError, match=message):
        people_analyzer.embed_one(image, source="photo.jpg")


class CountingRecognizer:
    """The real dlib recognizer, counting how many faces it embeds."""

    def __init__(self, inner: DlibRecognizer):
        self.inner, self.name, self.dim, self.faces_embedded = inner, inner.name, inner.dim, 0

    def embed(self, image, faces):
        self.faces_embedded += len(faces)
        return self.inner.embed(image, faces)


def _video_of_transformed_copies(tmp_path: Path, astronaut_bgr: np.ndarray) -> Path:
    """20 frames: the astronaut drifting, growing, brightening and darkening, beside Grace Hopper's portrait."""
    frames = []
    for i in range(20):
        canvas = np.full((360, 480, 3), 90, np.uint8)
        side = 260 + 3 * i
        face = cv2.convertScaleAbs(cv2.resize(astronaut_bgr, (side, side)), alpha=0.6 + 0.04 * i, beta=0)
        canvas[30 : 30 + side, 10 + 3 * i : 10 + 3 * i + side] = face
        frames.append(canvas)
    return write_video(tmp_path / "astronaut.avi", frames)


def test_stream_recognises_once_per_track_and_refreshes(
    recognizer, people_analyzer, tmp_path, astronaut_bgr, tiny_model
):
    from emolens import Analyzer

    counting = CountingRecognizer(recognizer)
    analyzer = Analyzer(model=tiny_model, recognizer=counting, gallery=people_analyzer.gallery, refresh_every=8)
    results = list(analyzer.analyze_stream(_video_of_transformed_copies(tmp_path, astronaut_bgr)))
    people = [[p.person for p in r.predictions] for r in results]
    assert people == [["astronaut"]] * 20
    assert {p.track_id for r in results for p in r.predictions} == {1}
    assert counting.faces_embedded == 3  # frames 1, 9 and 17 of one track


def test_stream_tells_two_people_apart_and_rechecks_after_gallery_change(
    people_analyzer, astronaut_bgr, hopper_bgr, tiny_model
):
    from emolens import Analyzer

    gallery = Gallery([("astronaut", people_analyzer.embed_one(astronaut_bgr))])
    analyzer = Analyzer(model=tiny_model, recognizer=people_analyzer.recognizer, gallery=gallery, refresh_every=100)
    image = side_by_side(astronaut_bgr, hopper_bgr)
    tracker = analyzer.new_tracker()
    first = analyzer.analyze_frame(Frame(0, 0.0, image), tracker)
    gallery.add("hopper", people_analyzer.embed_one(hopper_bgr))
    second = analyzer.analyze_frame(Frame(1, 0.1, image), tracker)
    names = [sorted((p.face.bbox.x1, str(p.person)) for p in r.predictions) for r in (first, second)]
    assert [n for _, n in names[0]] == ["astronaut", "None"]
    assert [n for _, n in names[1]] == ["astronaut", "hopper"]


def test_gallery_matches_nearest_person_once_per_call():
    gallery = Gallery([("a", np.zeros(4)), ("b", np.array([1.0, 0, 0, 0])), ("b", np.array([0, 1.0, 0, 0]))])
    faces = np.array([[0.1, 0, 0, 0], [0.9, 0, 0, 0], [0.05, 0, 0, 0], [0, 0, 5.0, 0]])
    matches = gallery.match(faces)
    assert [m.person for m in matches] == [None, "b", "a", None]
    assert matches[1].distance == pytest.approx(0.1, abs=1e-6)
    assert gallery.people == ["a", "b"] and len(gallery) == 3


def test_gallery_refuses_mixed_sizes_and_bad_threshold():
    with pytest.raises(ModelLoadError, match="share one size"):  # embeddings of two different recognizers
        Gallery([("a", np.zeros(4)), ("b", np.zeros(5))])
    with pytest.raises(ConfigError, match="threshold"):
        Gallery(threshold=0)
