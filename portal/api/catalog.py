"""API endpoints: catalog. (Stub, filled in by its feature.)"""

OPENAPI_PATHS: dict = {}
