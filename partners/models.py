"""Models of partners."""

from __future__ import annotations
