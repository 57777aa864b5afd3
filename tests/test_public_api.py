import emolens


def test_public_api_is_small_and_pinned() -> None:
    assert sorted(emolens.__all__) == sorted(
        [
            "EMOTIONS",
            "Analyzer",
            "BBox",
            "CheckpointError",
            "ConfigError",
            "DataLayoutError",
            "DatabaseError",
            "Emotion",
            "EmolensError",
            "Face",
            "FrameResult",
            "InvalidImageError",
            "InvalidNameError",
            "ModelLoadError",
            "PersonNotFoundError",
            "Prediction",
            "SessionNotFoundError",
            "SourceError",
            "StorageError",
            "TrainingError",
            "__version__",
        ]
    )
    for name in emolens.__all__:
        assert hasattr(emolens, name)
