"""A model field for raw token amounts: unsigned 256-bit integers, exact on every database.

PostgreSQL stores them as NUMERIC(78,0). SQLite has no exact type that wide (its NUMERIC
affinity turns large values into floats, and Django's DecimalField reads SQLite values
through a 15-digit float context), so there they are stored as decimal text. The Python
value is always an int.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

UINT256_MAX = 2**256 - 1


class UInt256Field(models.Field):  # type: ignore[type-arg]
    description = "An unsigned 256-bit integer (raw token units)"

    def db_type(self, connection: BaseDatabaseWrapper) -> str:
        return "numeric(78, 0)" if connection.vendor == "postgresql" else "text"

    def get_internal_type(self) -> str:
        return "UInt256Field"

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> int | None:
        if value is None:
            return None
        return int(value)  # Decimal from PostgreSQL, decimal text from SQLite

    def to_python(self, value: Any) -> int | None:
        if value is None or isinstance(value, int):
            return value
        if isinstance(value, Decimal):
            return int(value)
        return int(str(value).strip(), 10)

    def get_prep_value(self, value: Any) -> int | None:
        number = self.to_python(super().get_prep_value(value))
        if number is not None and not 0 <= number <= UINT256_MAX:
            raise ValueError(f"{number} is not an unsigned 256-bit integer")
        return number

    def get_db_prep_value(self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False) -> Any:
        value = value if prepared else self.get_prep_value(value)
        if value is None:
            return None
        return Decimal(value) if connection.vendor == "postgresql" else str(value)
