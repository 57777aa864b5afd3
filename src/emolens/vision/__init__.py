"""Frames to predictions with numpy, OpenCV, MediaPipe and ONNX Runtime only (no torch, no storage)."""
