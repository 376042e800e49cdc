"""API endpoints: reports. (Stub, filled in by its feature.)"""

OPENAPI_PATHS: dict = {}
