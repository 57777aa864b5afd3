"""The Analyzer: detect, align and classify every face in an image, a folder or a stream."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal

import numpy as np

from emolens.errors import ConfigError
from emolens.types import Emotion, Face, FrameResult, Prediction
from emolens.vision.align import align_faces
from emolens.vision.classify import EmotionClassifier, OnnxClassifier
from emolens.vision.detect import FaceDetector, MediaPipeDetector, make_detector
from emolens.vision.io import MAX_PIXELS, Frame, ImageInput, VideoSource, check_size, list_images, read_image
from emolens.vision.recognize import DlibRecognizer, FaceRecognizer, Gallery, Match, check_enrolment_faces
from emolens.vision.track import Track, Tracker, identify_tracks

__all__ = ["Analyzer", "SmallFaces"]

# When still images also scan tiles for faces too small for the full-frame pass (see MediaPipeDetector).
SmallFaces = Literal["never", "auto", "always"]

log = logging.getLogger(__name__)


class Analyzer:
    """Faces and emotions from images and streams.

    >>> faces = Analyzer().analyze("photo.jpg")          # doctest: +SKIP
    >>> [(f.label, f.confidence) for f in faces]          # doctest: +SKIP

    ``detector`` is a FaceDetector or a name ("mediapipe", "haar"); ``model`` a path to an .onnx model
    with its card, or a classifier; ``small_faces`` says when still images also scan 320 px tiles for faces
    down to ~20 px (several detector passes instead of one): "auto" only when the full-frame pass found no
    face or a face near its size limit, "always", or "never"; ``small_faces_in_streams`` scans them on
    every frame of a stream (about 7x the detection time of a VGA frame); ``smoothing`` is the
    tracker's weight of the past in streams.

    With a ``gallery`` of enrolled people, every prediction names its person (``None`` when unknown),
    using ``recognizer`` (dlib's ResNet by default). Streams recognise a track when it starts and again
    every ``refresh_every`` frames it is seen, or when the gallery changes: fewer refreshes cost less, more
    correct a wrong first look sooner.
    """

    def __init__(
        self,
        detector: FaceDetector | str = "mediapipe",
        model: EmotionClassifier | str | os.PathLike[str] | None = None,
        min_face_score: float = 0.5,
        small_faces: SmallFaces = "auto",
        small_faces_in_streams: bool = False,
        smoothing: float = 0.6,
        max_pixels: int = MAX_PIXELS,
        threads: int = 0,
        gallery: Gallery | None = None,
        recognizer: FaceRecognizer | None = None,
        refresh_every: int = 30,
    ):
        if isinstance(detector, str):
            options: dict[str, object] = {"min_score": min_face_score} if detector == "mediapipe" else {}
            detector = make_detector(detector, **options)
        self.detector = detector
        if small_faces not in ("never", "auto", "always"):
            raise ConfigError(f"small_faces must be 'never', 'auto' or 'always', got {small_faces!r}")
        tiled = detector.name == "mediapipe"
        self._still_detector = (
            MediaPipeDetector(min_face_score, tile_px=320, tiles=small_faces)
            if tiled and small_faces != "never"
            else detector
        )
        self._stream_detector = (
            MediaPipeDetector(min_face_score, tile_px=320) if tiled and small_faces_in_streams else detector
        )
        self.classifier: EmotionClassifier = (
            OnnxClassifier(model, threads=threads) if model is None or isinstance(model, str | os.PathLike) else model
        )
        self.smoothing = smoothing
        self.max_pixels = max_pixels
        self.gallery = gallery
        self._recognizer = recognizer
        if refresh_every < 1:
            raise ConfigError(f"refresh_every must be >= 1 frame, got {refresh_every}")
        self.refresh_every = refresh_every

    @property
    def labels(self) -> tuple[Emotion, ...]:
        return self.classifier.card.labels

    @property
    def recognizer(self) -> FaceRecognizer:
        """The face recognizer, loaded on first use (dlib's models take about a second)."""
        if self._recognizer is None:
            self._recognizer = DlibRecognizer()
        return self._recognizer

    def _recognise(self, image: np.ndarray, faces: list[Face]) -> list[Match]:
        """Each face's match in the gallery; no work at all while nobody is enrolled."""
        if self.gallery is None or not len(self.gallery) or not faces:
            return [Match(None, float("inf"))] * len(faces)
        return self.gallery.match(self.recognizer.embed(image, faces))

    def embed_one(self, image: ImageInput, source: str = "the photo") -> np.ndarray:
        """The embedding (dim float32) of the one face in an enrolment photo.

        InvalidImageError when the photo has no face, several faces or a face too small to enrol.
        """
        pixels = read_image(image, self.max_pixels)
        face = check_enrolment_faces(self._still_detector.detect(pixels), source)
        return self.recognizer.embed(pixels, [face])[0]

    def _predict(self, image: np.ndarray, faces: list[Face]) -> tuple[list[Face], np.ndarray]:
        crops = align_faces(image, faces, self.classifier.card.input_size)
        return faces, self.classifier.predict_proba(crops)

    def _prediction(
        self, face: Face, probs: np.ndarray, track_id: int | None = None, person: str | None = None
    ) -> Prediction:
        best = int(np.argmax(probs))
        card = self.classifier.card
        return Prediction(
            face=face,
            probabilities={e: float(p) for e, p in zip(card.labels, probs, strict=True)},
            label=card.labels[best],
            confidence=float(probs[best]),
            model=card.name,
            model_version=card.version,
            track_id=track_id,
            person=person,
        )

    def analyze(self, image: ImageInput) -> list[Prediction]:
        """Every face in one image (path, encoded bytes or BGR array), largest first; [] when none."""
        pixels = read_image(image, self.max_pixels)
        faces = sorted(self._still_detector.detect(pixels), key=lambda f: f.bbox.area, reverse=True)
        faces, probs = self._predict(pixels, faces)
        matches = self._recognise(pixels, faces)
        return [self._prediction(f, p, None, m.person) for f, p, m in zip(faces, probs, matches, strict=True)]

    def analyze_folder(self, folder: str | os.PathLike[str]) -> Iterator[tuple[Path, list[Prediction]]]:
        """(path, predictions) for every image under a folder; unreadable files are logged and skipped."""
        from emolens.errors import InvalidImageError

        for path in list_images(folder):
            try:
                yield path, self.analyze(path)
            except InvalidImageError as exc:
                log.warning("skipping %s: %s", path, exc)

    def analyze_frame(self, frame: Frame, tracker: Tracker) -> FrameResult:
        """Predictions for one frame of a stream, matched to ``tracker``'s tracks and smoothed."""
        height, width = frame.image.shape[:2]
        faces, probs = self.observe_frame(frame)
        tracks = tracker.update([f.bbox for f in faces], probs)
        self._identify_tracks(frame.image, faces, tracks)
        predictions = [
            self._prediction(f, t.probabilities, t.track_id, t.person) for f, t in zip(faces, tracks, strict=True)
        ]
        return FrameResult(frame.index, frame.timestamp_s, predictions, (width, height))

    def observe_frame(self, frame: Frame) -> tuple[list[Face], np.ndarray]:
        """The faces of one stream frame and their raw probabilities (N x classes float32), before tracking.

        ``analyze_frame`` is this, then the tracker and recognition; a batch runs this part on many workers.
        """
        height, width = frame.image.shape[:2]
        check_size(width, height, f"frame {frame.index}", self.max_pixels)
        return self._predict(frame.image, self._stream_detector.detect(frame.image))

    def embed_faces(self, image: np.ndarray, faces: list[Face]) -> np.ndarray | None:
        """Each face's embedding (N x dim float32) for the gallery, or None while nobody is enrolled."""
        if self.gallery is None or not len(self.gallery) or not faces:
            return None
        return self.recognizer.embed(image, faces)

    def _identify_tracks(self, image: np.ndarray, faces: list[Face], tracks: list[Track]) -> None:
        """Recognise the tracks that are new or due a refresh (:func:`identify_tracks`)."""
        version = self.gallery.version if self.gallery is not None else None  # read first: a later swap re-checks
        identify_tracks(
            tracks, lambda due: self._recognise(image, [faces[i] for i in due]), version, self.refresh_every
        )

    def new_tracker(self) -> Tracker:
        """A tracker with this analyzer's smoothing, for a new stream."""
        return Tracker(smoothing=self.smoothing)

    def analyze_frames(self, frames: Iterable[Frame], tracker: Tracker | None = None) -> Iterator[FrameResult]:
        """Predictions per frame with stable track ids and smoothed probabilities."""
        tracker = tracker or self.new_tracker()
        for frame in frames:
            yield self.analyze_frame(frame, tracker)

    def analyze_stream(self, source: str | int | os.PathLike[str], every: int = 1) -> Iterator[FrameResult]:
        """Predictions per frame of a video file, camera index or RTSP/HTTP URL (one frame in ``every``)."""
        yield from self.analyze_frames(VideoSource(source, every=every))
