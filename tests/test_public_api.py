import emolens


def test_public_api_is_small_and_pinned() -> None:
    assert sorted(emolens.__all__) == sorted(
        [
            "EMOTIONS",
            "Analyzer",
            "BBox",
            "DataLayoutError",
            "Emotion",
            "EmolensError",
            "Face",
            "FrameResult",
            "InvalidImageError",
            "ModelLoadError",
            "Prediction",
            "SourceError",
            "__version__",
        ]
    )
    for name in emolens.__all__:
        assert hasattr(emolens, name)
