"""Customer returns (issue 13 point 5): a sold item brought back, with its warranty checked."""

from . import models  # noqa: E402,F401  (the record of each return, in the metadata)
