"""Exception types. Every user-facing failure is a MusclemapError with a one-line message;
the CLI prints it and exits with code 2 instead of showing a traceback."""


class MusclemapError(Exception):
    """Base class of all expected, user-facing errors."""

    exit_code = 2


class InputError(MusclemapError):
    """A file or argument given by the user is malformed."""


class ManifestError(InputError):
    """A clip manifest is malformed (missing columns, unknown activities, duplicate ids)."""


class SplitFileError(InputError):
    """A split file is malformed."""


class PredictionFormatError(InputError):
    """A predictions file violates the musclemap-predictions/1 format."""


class EvaluationError(MusclemapError):
    """Predictions are well-formed but cannot be scored (missing clips, no positives)."""
