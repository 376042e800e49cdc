"""The defects services on both databases: the report and its movement
together, quarantine kept by the ledger, the outcomes one movement each."""

import pytest
from sqlalchemy import func, select

from portal.catalog.services import QUARANTINE_BIN_CODE
from portal.defects import queries, services
from portal.errors import Conflict, Invalid, NotFound
from portal.items import ledger
from portal.models import DefectReport, ItemStatus, Movement, MovementKind, utcnow
from tests import factories


@pytest.fixture
def shelf(session):
    warehouse = factories.warehouse(session, code="WH-S")
    return factories.bin_(session, warehouse_id=warehouse.id, code="A-01-1")


def _movements(session, item):
    return session.scalars(select(Movement).where(Movement.item_id == item.id).order_by(Movement.id)).all()


def test_a_flag_writes_the_report_and_the_movement_into_quarantine(session, shelf):
    item = factories.item(session, serial="S-1", bin_id=shelf.id)
    actor = factories.user(session, role="operator")
    report = services.flag_defect(session, item=item, reason="missing_parts", stage="receiving",
                                  note="no charger", actor=actor)
    session.flush()
    last = _movements(session, item)[-1]
    assert (last.kind, last.from_status, last.to_status) == ("defect", "in_stock", "defective")
    assert last.from_bin_id == shelf.id and item.bin.code == QUARANTINE_BIN_CODE
    assert (report.reason_code, report.stage_found, report.note, report.reported_by_id) == (
        "missing_parts", "receiving", "no charger", actor.id)
    rows = queries.quarantine(session, warehouse_id=shelf.warehouse_id, now=utcnow())
    assert [(r.serial, r.reason, r.stage, r.days) for r in rows] == [("S-1", "missing_parts", "receiving", 0)]


def test_a_refused_flag_writes_nothing(session, shelf):
    sold = factories.item(session, serial="S-2", status=ItemStatus.SOLD)
    with pytest.raises(Conflict) as refused:
        services.flag_defect(session, item=sold, reason="functional", stage="storage", actor=None)
    assert refused.value.code == "status_not_allowed" and "sold" in refused.value.message
    with pytest.raises(Invalid) as unknown:
        services.flag_defect(session, item=sold, reason="nope", stage="storage", actor=None)
    assert unknown.value.code == "unknown_reason"
    session.flush()
    assert session.scalar(select(func.count()).select_from(DefectReport)) == 0
    with pytest.raises(NotFound):
        services.item_by_serial(session, "NOT-THERE")


def test_the_ledger_keeps_a_defective_item_in_quarantine(session, shelf):
    item = factories.item(session, serial="S-3", bin_id=shelf.id)
    services.flag_defect(session, item=item, reason="functional", stage="storage", actor=None)
    with pytest.raises(Conflict) as moved:
        ledger.transition(session, item, to_status=ItemStatus.DEFECTIVE, kind=MovementKind.MOVED, actor=None,
                          to_bin=shelf)
    assert moved.value.code == "in_quarantine"
    with pytest.raises(Conflict):
        ledger.transition(session, item, to_status=ItemStatus.IN_STOCK, kind=MovementKind.MOVED, actor=None,
                          to_bin=shelf)
    assert item.bin.code == QUARANTINE_BIN_CODE


def test_repair_and_scrap_are_one_movement_each(session, shelf):
    first = factories.item(session, serial="S-4", bin_id=shelf.id)
    second = factories.item(session, serial="S-5", bin_id=shelf.id)
    warehouse = shelf.warehouse.code
    for item in (first, second):
        services.flag_defect(session, item=item, reason="functional", stage="storage", actor=None)
    session.flush()
    before = len(_movements(session, first))
    services.repair(session, item=first, warehouse=warehouse, bin_code="A-01-1", note="reflowed", actor=None)
    session.flush()
    repaired = _movements(session, first)
    assert len(repaired) == before + 1
    assert (repaired[-1].kind, repaired[-1].to_status, repaired[-1].to_condition) == (
        "restocked", "in_stock", "refurbished")
    assert first.condition == "refurbished" and first.bin_id == shelf.id
    with pytest.raises(Invalid) as no_note:
        services.scrap(session, item=second, note="  ", actor=None)
    assert no_note.value.code == "note_required"
    services.scrap(session, item=second, note="beyond repair", actor=None)
    session.flush()
    assert second.status == "scrapped" and second.bin_id is None
    assert _movements(session, second)[-1].kind == "scrapped"
    assert not ledger.can_transition(ItemStatus.SCRAPPED, ItemStatus.IN_STOCK)
    with pytest.raises(Conflict):
        services.scrap(session, item=second, note="again", actor=None)


def test_reasons_are_kept_never_deleted(session):
    services.add_reason(session, code="overheats", name=" Runs  hot ")
    with pytest.raises(Conflict):
        services.add_reason(session, code="OVERHEATS", name="x")
    with pytest.raises(Invalid):
        services.add_reason(session, code="bad code!", name="x")
    services.rename_reason(session, code="overheats", name="Overheats")
    services.set_reason_active(session, code="functional", active=False)
    active = [r.code for r in queries.reasons(session, only_active=True)]
    assert "overheats" in active and "functional" not in active
    assert queries.reason_by_code(session, "overheats").name == "Overheats"
