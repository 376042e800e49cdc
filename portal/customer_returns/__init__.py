"""Customer returns (issue 13 point 5): a sold item brought back, with its warranty checked."""
