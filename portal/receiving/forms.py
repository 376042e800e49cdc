"""The receipt form's fields, values and messages. The service checks the
values (codes, dates, costs); this only carries them back to the template."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..models import Condition, Ownership

FIELDS = ("supplier", "warehouse", "reference", "expected_date", "product", "condition", "ownership",
          "unit_cost", "sheet")
CONDITIONS = [c.value for c in Condition]
OWNERSHIPS = [o.value for o in Ownership]


@dataclass
class ReceiptForm:
    values: dict[str, str] = field(default_factory=lambda: {"condition": "regular", "ownership": "owned"})
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_request(cls, form) -> ReceiptForm:
        return cls(values={name: (form.get(name) or "").strip()[:200] for name in FIELDS})

    def get(self, name: str) -> str:
        return self.values.get(name, "")
