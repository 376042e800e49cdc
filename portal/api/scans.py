"""API endpoints: scans. (Stub, filled in by its feature.)"""

OPENAPI_PATHS: dict = {}
