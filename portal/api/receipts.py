"""API endpoints: receipts. (Stub, filled in by its feature.)"""

OPENAPI_PATHS: dict = {}
