"""Flask and FastAPI configuration read statically."""
