"""The errors emolens raises; every one derives from :class:`EmolensError`."""

from __future__ import annotations

__all__ = [
    "CheckpointError",
    "ConfigError",
    "DataLayoutError",
    "DatabaseError",
    "EmolensError",
    "InvalidImageError",
    "InvalidNameError",
    "ModelLoadError",
    "PersonNotFoundError",
    "SessionNotFoundError",
    "SourceError",
    "StorageError",
    "TrainingError",
]


class EmolensError(Exception):
    """Base class of every error emolens raises on purpose."""


class InvalidImageError(EmolensError, ValueError):
    """An image could not be decoded or has an unsupported shape, type or size."""


class SourceError(EmolensError, OSError):
    """A video file, camera or stream could not be opened or read."""


class ModelLoadError(EmolensError, RuntimeError):
    """A model file or its card is missing, unreadable or inconsistent."""


class DataLayoutError(EmolensError, ValueError):
    """A data set folder does not have a layout emolens understands."""


class ConfigError(EmolensError, ValueError):
    """A setting is invalid: a training config, a server setting, a knob out of its range."""


class TrainingError(EmolensError, RuntimeError):
    """Training or export cannot go on: the device asked for is absent, or the export disagrees with its source."""


class CheckpointError(EmolensError, OSError):
    """A checkpoint or a packed run is missing, incomplete, or too large to pack."""


class StorageError(EmolensError, RuntimeError):
    """The database could not be opened, migrated or written, or a record is invalid."""


class InvalidNameError(StorageError, ValueError):
    """A name given to a record (say, a person's) is empty, too long or cannot be stored and addressed safely."""


class DatabaseError(StorageError):
    """The database itself failed (locked, read-only, unreachable, damaged); the message says what to do.

    ``public`` is the same without the database's address or the driver's words, for answers to web clients.
    """

    def __init__(self, message: str, public: str | None = None):
        super().__init__(message)
        self.public = public or "the database failed; the server's log says why"


class SessionNotFoundError(StorageError, LookupError):
    """No session has the given id (it may have been deleted by retention)."""


class PersonNotFoundError(StorageError, LookupError):
    """No enrolled person has the given name."""
