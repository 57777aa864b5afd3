"""/api/analyze (one image, nothing stored) and /api/uploads (images or a video, stored as a session)."""

from __future__ import annotations

import base64
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import cv2
import numpy as np
from fastapi import APIRouter, File, Form, HTTPException, UploadFile
from starlette.concurrency import run_in_threadpool

from emolens.errors import EmolensError
from emolens.storage import ObservationIn
from emolens.types import Prediction
from emolens.vision.annotate import annotate
from emolens.vision.io import VideoSource, read_image
from emolens.vision.pipeline import Analyzer
from emolens.web.limits import check_pixel_budget
from emolens.web.params import PLAIN_TEXT
from emolens.web.schemas import AnalyzeOut
from emolens.web.state import StateDep

__all__ = ["router"]

router = APIRouter(tags=["analyze"])
IMAGE_TYPES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}
VIDEO_TYPES = {".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v"}
MAX_VIDEO_FRAMES = 300


async def _read(upload: UploadFile, max_mb: float) -> bytes:
    limit = int(max_mb * 1024 * 1024)
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(413, f"{upload.filename} is larger than the {max_mb:g} MB limit; send a smaller file")
    return data


def _kind(upload: UploadFile) -> str:
    suffix = Path(upload.filename or "").suffix.lower()
    if suffix in IMAGE_TYPES:
        return "image"
    if suffix in VIDEO_TYPES:
        return "video"
    allowed = ", ".join(sorted(IMAGE_TYPES | VIDEO_TYPES))
    raise HTTPException(415, f"{upload.filename!r} has an unsupported type; send one of {allowed}")


def _jpeg_data_url(image: np.ndarray, predictions: list[Prediction], max_side: int = 960) -> str:
    out = annotate(image, predictions)
    scale = max_side / max(out.shape[:2])
    if scale < 1:
        out = cv2.resize(out, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ok, jpeg = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, 85])
    return "data:image/jpeg;base64," + base64.b64encode(jpeg.tobytes()).decode() if ok else ""


@router.post("/api/analyze")
async def analyze_image(
    state: StateDep, image: Annotated[UploadFile, File(description="A JPEG/PNG/BMP/WebP/TIFF")]
) -> AnalyzeOut:
    """Every face in one image with its emotion and probabilities; nothing is stored."""
    if _kind(image) != "image":
        raise HTTPException(415, "/api/analyze takes one image; send videos to /api/uploads")
    data = await _read(image, state.settings.max_image_mb)
    check_pixel_budget([data], state.settings.max_request_mp)
    predictions = await state.batch_pool.run(lambda a: a.analyze(data))
    return AnalyzeOut.model_validate({"image": image.filename, "faces": [p.to_dict() for p in predictions]})


def _image_results(analyzer: Analyzer, items: list[tuple[str, bytes]]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for name, data in items:
        try:
            pixels = read_image(data)
            predictions = analyzer.analyze(pixels)
        except EmolensError as exc:
            results.append({"name": name, "error": str(exc), "faces": []})
            continue
        results.append(
            {
                "name": name,
                "faces": [p.to_dict() for p in predictions],
                "_predictions": predictions,
                "annotated": _jpeg_data_url(pixels, predictions),
            }
        )
    return results


def _video_results(analyzer: Analyzer, name: str, path: Path) -> list[dict[str, Any]]:
    """Up to MAX_VIDEO_FRAMES evenly spaced frames with tracking; one frame in ten comes back annotated."""
    with VideoSource(path, name=name) as probe:
        every = max(1, (probe.frame_count or MAX_VIDEO_FRAMES) // MAX_VIDEO_FRAMES)
    tracker = analyzer.new_tracker()
    results: list[dict[str, Any]] = []
    with VideoSource(path, every=every, name=name) as video:
        for frame in video:
            if len(results) >= MAX_VIDEO_FRAMES:
                break
            result = analyzer.analyze_frame(frame, tracker)
            item: dict[str, Any] = {
                "name": f"{name} @ {result.timestamp_s:.1f} s",
                "_predictions": result.predictions,
                "faces": [p.to_dict() for p in result.predictions],
            }
            if len(results) % 10 == 0:
                item["annotated"] = _jpeg_data_url(frame.image, result.predictions)
            results.append(item)
    return results


def _nothing_stored(results: list[dict[str, Any]]) -> HTTPException:
    """The 422 for an upload without a single face: every file's error, or that no face was found."""
    errors = [f"{r['name']}: {r['error']}" for r in results if "error" in r]
    if errors and len(errors) == len(results):
        shown = "; ".join(errors[:10]) + (f"; and {len(errors) - 10} more" if len(errors) > 10 else "")
        return HTTPException(422, f"nothing was stored: every file failed ({shown})")
    failed = f" ({'; '.join(errors[:10])})" if errors else ""
    return HTTPException(422, f"nothing was stored: no face was found in {len(results)} image(s) or frame(s){failed}")


async def _store_results(state: StateDep, scenario: str, source: str, results: list[dict[str, Any]]) -> dict[str, Any]:
    """Store the faces found as one ended session; a 422 and no session when there is not one face."""
    store = state.store
    now = datetime.now(UTC)
    observations = [ObservationIn.from_prediction(p, now) for r in results for p in r.pop("_predictions", [])]
    if not observations:
        raise _nothing_stored(results)
    session = await run_in_threadpool(store.create_session, scenario, source)
    await run_in_threadpool(store.add_observations, session.id, observations)
    ended = await run_in_threadpool(store.end_session, session.id)
    await run_in_threadpool(state.apply_retention)
    return {"session": ended.to_dict(), "results": results}


@router.post("/api/uploads", status_code=201)
async def upload(
    state: StateDep,
    files: Annotated[list[UploadFile], File(description="Several images, or one video")],
    scenario: Annotated[str, Form(min_length=1, max_length=80, pattern=PLAIN_TEXT)] = "Upload",
) -> dict[str, Any]:
    """Analyse several images (source "upload") or one video (source "video") and store them as a session."""
    kinds = {_kind(f) for f in files}
    if kinds == {"image"}:
        if len(files) > state.settings.max_images:
            limit = state.settings.max_images
            raise HTTPException(413, f"{len(files)} images is more than the limit of {limit} per upload")
        items = [(f.filename or "image", await _read(f, state.settings.max_image_mb)) for f in files]
        check_pixel_budget([data for _, data in items], state.settings.max_request_mp)
        results = await state.batch_pool.run(lambda a: _image_results(a, items))
        return await _store_results(state, scenario, "upload", results)
    if kinds != {"video"} or len(files) != 1:
        raise HTTPException(422, "send several images, or exactly one video, not a mix")
    data = await _read(files[0], state.settings.max_video_mb)
    results = await _analyze_video(state, files[0].filename or "video", data)
    return await _store_results(state, scenario, "video", results)


async def _analyze_video(state: StateDep, name: str, data: bytes) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{Path(name).suffix.lower()}"
        path.write_bytes(data)
        return await state.batch_pool.run(lambda a: _video_results(a, name, path))
