"""API endpoints: consignment statements and settlements, the same services
as the pages (managers; admins always)."""

from __future__ import annotations

import json
from typing import Annotated

from flask import Response
from pydantic import Field, StrictStr, WithJsonSchema

from ..consignment import services
from ..consignment.models import Settlement
from ..extensions import db
from . import bp
from .auth import current_api_user
from .schema import ApiModel, Day, Money, Query, Request, Stamp, operation

DayText = Annotated[str | None, WithJsonSchema({"type": "string", "format": "date"})]


class StatementQuery(Query):
    date_from: Annotated[DayText, Field(alias="from", description="First day (YYYY-MM-DD); default: the day "
                                                                  "after the last settlement")] = None
    date_to: Annotated[DayText, Field(alias="to", description="Last day (YYYY-MM-DD), default today")] = None


class SettlementNew(Request):
    until: Annotated[StrictStr, Field(description="The last day paid (YYYY-MM-DD), after the last settlement and "
                                                  "before today", json_schema_extra={"format": "date"})]
    reference: Annotated[StrictStr, Field(description=f"The supplier's reference, at most "
                                                      f"{services.MAX_REFERENCE} characters, stored as typed")]


class SaleOut(ApiModel):
    serial: str
    sku: str
    sold_at: Annotated[Stamp, Field(description="The shipment movement's time")]
    order_ref: str | None
    unit_cost: Money
    settled_in: Annotated[str | None, Field(description="The reference of the settlement that paid it; null "
                                                        "while it is owed")] = None


class StatementOut(ApiModel):
    """A consignment statement for one supplier and a period"""

    supplier: Annotated[str, Field(description="The supplier's code")]
    date_from: Annotated[Day | None, Field(alias="from", description="null: from the beginning")]
    date_to: Annotated[Day, Field(alias="to")]
    on_hand: Annotated[int, Field(description="Consignment units in stock, in quarantine or in transit at the "
                                              "end of the period")]
    on_hand_value: Annotated[Money, Field(description="Their value at cost (the unit's, else its product's)")]
    sold: Annotated[list[SaleOut], Field(description="The consignment sales of the period, oldest first, each "
                                                     "unit once")]
    owed: Annotated[Money, Field(description="The unit costs of the sales not yet settled")]
    settled_until: Annotated[Day | None, Field(description="The last day settled; null: never")]

    model_config = {**ApiModel.model_config, "populate_by_name": True}


class SettlementOut(ApiModel):
    id: int
    supplier: str
    until: Day
    reference: str
    amount: Money
    units: Annotated[int, Field(description="How many sales it paid")]
    created_at: Stamp

    @classmethod
    def of(cls, made: Settlement) -> SettlementOut:
        return cls(id=made.id, supplier=made.supplier.code, until=made.until, reference=made.reference,
                   amount=made.amount, units=made.units, created_at=made.created_at)


def _json(body: ApiModel, status: int = 200) -> Response:
    return Response(body.model_dump_json(by_alias=True), status=status, mimetype="application/json")


def _statement_json(found, sales: list[str]) -> str:
    """StatementOut's shape: the figures through the model, the sales as the
    database wrote them (``queries.sales_json``: a statement may list 200,000).
    The API tests check every answer against the document."""
    head = StatementOut.model_validate({
        "supplier": found.supplier.code, "from": found.date_from, "to": found.date_to, "on_hand": found.on_hand,
        "on_hand_value": found.on_hand_value, "owed": found.owed, "settled_until": found.settled_until, "sold": [],
    }).model_dump(mode="json", by_alias=True)
    del head["sold"]
    return json.dumps(head, ensure_ascii=False)[:-1] + ', "sold": [' + ", ".join(sales) + "]}"


@bp.get("/consignment/<supplier>")
@operation(tag="consignment", roles=services.STATEMENT_ROLES, query=StatementQuery, answers={200: StatementOut},
           errors={404: "No such supplier", 422: "from or to is not a YYYY-MM-DD day, to is after today, or from "
                                                 "comes after to (invalid_date, invalid_period)"},
           summary="A supplier's consignment statement: units on hand, sales in the period, the amount owed")
def consignment_statement(supplier: str, query: StatementQuery):
    found = services.statement(db.session, supplier=supplier, date_from=query.date_from, date_to=query.date_to,
                               as_json=True)
    return Response(_statement_json(found, found.sold_json), mimetype="application/json")


@bp.post("/consignment/<supplier>/settlements")
@operation(tag="consignment", roles=services.SETTLE_ROLES, body=SettlementNew, answers={201: SettlementOut},
           errors={404: "No such supplier",
                   409: "Settled already up to that day or a later one (already_settled)",
                   422: "until is not a day, or not over yet (day_not_over); no reference"},
           summary="Settle every consignment sale since the last settlement up to a day, with the supplier's "
                   "reference")
def consignment_settle(supplier: str, body: SettlementNew):
    made = services.settle(db.session, supplier=supplier, until=body.until, reference=body.reference,
                           actor=current_api_user())
    return _json(SettlementOut.of(made), 201)



