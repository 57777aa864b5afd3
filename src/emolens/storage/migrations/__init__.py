"""Alembic migrations for the emolens schema; run by Store on open."""
