"""Alembic revisions, applied in order by `openconvai migrate` and on `serve`."""
