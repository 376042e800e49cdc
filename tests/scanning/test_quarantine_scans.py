"""Quarantine is enforced at the scan station, and the defect task offers the
reasons the admin keeps (issue 13, points 1 and 3)."""

from sqlalchemy import func, select

from portal.defects import services as defects
from portal.models import Bin, BinKind, DefectReport, Movement


def _quarantine(floor):
    return floor.session.scalars(select(Bin).where(Bin.warehouse_id == floor.warehouse.id,
                                                   Bin.kind == BinKind.QUARANTINE)).one()


def test_a_defective_item_cannot_be_moved_into_storage(floor, scan):
    item = floor.item(status="in_stock", bin=floor.bin_a)
    assert scan("defect", item.serial, defect_reason="functional")["result"] == "accepted"
    moves = floor.session.scalar(select(func.count()).select_from(Movement).where(Movement.item_id == item.id))
    scan("move", floor.label(floor.bin_b))
    answer = scan("move", item.serial)
    assert answer["result"] == "refused"
    assert "defective and in quarantine" in answer["message"] and "repair" in answer["message"]
    floor.session.refresh(item)
    assert item.status == "defective" and item.bin_id == _quarantine(floor).id
    assert floor.session.scalar(select(func.count()).select_from(Movement).where(Movement.item_id == item.id)) \
        == moves


def test_the_defect_task_takes_a_new_reason_and_refuses_an_inactive_one(floor, scan):
    defects.add_reason(floor.session, code="overheats", name="Overheats")
    defects.set_reason_active(floor.session, code="cosmetic", active=False)
    first, second = floor.item(status="in_stock"), floor.item(status="in_stock")
    accepted = scan("defect", first.serial, defect_reason="overheats")
    assert accepted["result"] == "accepted" and "Overheats" in accepted["message"]
    refused = scan("defect", second.serial, defect_reason="cosmetic")
    assert refused["result"] == "refused"
    floor.session.refresh(second)
    assert second.status == "in_stock"
    assert floor.session.scalars(select(DefectReport.reason_code)).all() == ["overheats"]
