"""The demo warehouse: something a manager would recognise.

Two warehouses with a few hundred bins, six suppliers, forty products and
about 20,000 serials received over two years through some 150 receipts, in
every status, with a movement ledger that tells each item's story.

:func:`plan_demo` is pure and deterministic (``random.Random(seed)``; times
are relative to ``now``, so the same seed gives the same serials, statuses
and stories whenever it runs). :func:`seed_demo` writes the plan with
set-based inserts in chunks. Every status change in the plan is checked
against the transition table of :mod:`portal.items.ledger`, and each
change is one movement, as :func:`~portal.items.ledger.transition` would
write it; the ledger writes them (:func:`~portal.items.ledger.record_history`).
"""

from __future__ import annotations

import random
import string
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert, inspect, select
from sqlalchemy.orm import Session

from . import models
from .auth.services import create_user
from .catalog import services as catalog
from .catalog.bin_patterns import parse_bin_pattern
from .catalog.services import DOCK_BIN_CODE, QUARANTINE_BIN_CODE
from .items import ledger
from .items.ledger import IN_A_BIN, can_transition
from .models import Condition, DefectReason, DefectStage, ItemStatus, MovementKind, Ownership, ReceiptStatus, utcnow
from .serials import gtin_check_digit, luhn_check_digit, serial_key
from .warranty import warranty_ends_on

DEMO_LOGINS = [
    ("admin", "admin-demo-1", "admin"),
    ("manager", "manager-demo-1", "manager"),
    ("receiver", "receiver-demo-1", "receiver"),
    ("operator", "operator-demo-1", "operator"),
]

S = ItemStatus
K = MovementKind
TOTAL_SERIALS = 20_000
RECEIPTS = 150
OPEN_RECEIPTS = 6
HISTORY_DAYS = 800
CHUNK = 5_000

# code, name, trusted, defect factor, share on consignment, refurbished share
SUPPLIER_WEIGHTS = [0.22, 0.2, 0.18, 0.15, 0.16, 0.09]  # how often each delivers
SUPPLIERS = [
    ("NORDTEK", "Nordtek Distribution GmbH", True, 0.7, 0.0, 0.0),
    ("SGE", "Société Générale d'Électronique", True, 1.0, 0.1, 0.0),
    ("PACIFIC", "Pacific Rim Trading Ltd.", False, 5.0, 0.0, 0.0),  # the bad one
    ("BRIGHTWAVE", "BrightWave Components B.V.", False, 1.0, 0.6, 0.0),  # consignment partner
    ("IBERTEC", "Ibertec Suministros S.L.", False, 1.2, 0.0, 0.0),
    ("KESTREL", "Kestrel Refurb & Returns Ltd.", False, 2.0, 0.0, 1.0),  # refurbished units
]

# code, name, bin pattern (segments, separator), share of receipts
WAREHOUSES = [
    ("AMS1", "Amsterdam Central Warehouse", (["A-F", "01-10", "1-4"], "-"), 0.7),
    ("LYO1", "Lyon Distribution Centre", (["A-C", "01-08", "1-3"], "-"), 0.3),
]

# category: suppliers, mean days until sold, GTIN company prefix
CATEGORIES = {
    "laptop": (["NORDTEK", "SGE", "KESTREL"], 200),
    "phone": (["PACIFIC", "SGE", "KESTREL"], 120),
    "network": (["BRIGHTWAVE", "NORDTEK"], 260),
    "printer": (["IBERTEC", "SGE"], 280),
    "consumable": (["IBERTEC", "BRIGHTWAVE"], 320),
    "other": (["NORDTEK", "PACIFIC"], 240),
}

# sku, name, category, warranty months, shelf life days, unit cost, serial style, GTIN prefix
PRODUCTS = [
    ("LAP-LEN-T14G4", "Lenovo ThinkPad T14 Gen 4, 14\", i5, 16 GB, 512 GB", "laptop", 36, None, "1049.00", "lenovo", "0196802"),  # noqa: E501
    ("LAP-LEN-X1C11", "Lenovo ThinkPad X1 Carbon Gen 11, 14\", i7, 32 GB", "laptop", 36, None, "1689.00", "lenovo", "0196802"),  # noqa: E501
    ("LAP-DEL-L5440", "Dell Latitude 5440, 14\", i7, 16 GB, 512 GB", "laptop", 36, None, "1129.00", "dell", "0884116"),
    ("LAP-DEL-XPS13", "Dell XPS 13 9340, 13.4\" OLED", "laptop", 24, None, "1249.00", "dell", "0884116"),
    ("LAP-HP-EB840", "HP EliteBook 840 G10, 14\"", "laptop", 36, None, "1189.00", "hp", "0196548"),
    ("LAP-HP-PB450", "HP ProBook 450 G10, 15.6\"", "laptop", 12, None, "789.00", "hp", "0196548"),
    ("LAP-APL-MBA13", "Apple MacBook Air 13\" M3, 8 GB, 256 GB", "laptop", 12, None, "1049.00", "apple", "0195949"),
    ("LAP-ASU-B1402", "ASUS ExpertBook B1 B1402, 14\"", "laptop", 24, None, "599.00", "asus", "4711387"),
    ("PHN-APL-IP15-128", "Apple iPhone 15, 128 GB, black", "phone", 12, None, "799.00", "imei", "0195949"),
    ("PHN-APL-IP15P-256", "Apple iPhone 15 Pro, 256 GB, natural titanium", "phone", 12, None, "1129.00", "imei", "0195949"),  # noqa: E501
    ("PHN-SAM-S24-256", "Samsung Galaxy S24, 256 GB, onyx black", "phone", 24, None, "829.00", "imei", "8806095"),
    ("PHN-SAM-A55-128", "Samsung Galaxy A55 5G, 128 GB", "phone", 24, None, "389.00", "imei", "8806095"),
    ("PHN-GOO-PX8-128", "Google Pixel 8, 128 GB, obsidian", "phone", 24, None, "599.00", "imei", "0840244"),
    ("PHN-FAI-FP5-256", "Fairphone 5, 256 GB", "phone", 60, None, "649.00", "imei", "8720568"),
    ("PHN-NOK-G42-128", "Nokia G42 5G, 128 GB", "phone", 24, None, "179.00", "imei", "6438409"),
    ("PHN-MOT-E40-64", "Motorola moto e40, 64 GB", "phone", 24, None, "119.00", "imei", "0840023"),
    ("NET-UBQ-UDMPRO", "Ubiquiti UniFi Dream Machine Pro", "network", 12, None, "329.00", "mac", "0817882"),
    ("NET-UBQ-U6LR", "Ubiquiti UniFi U6 Long-Range access point", "network", 12, None, "149.00", "mac", "0817882"),
    ("NET-CIS-C1111", "Cisco ISR C1111-8P router", "network", 12, None, "899.00", "cisco", "0889728"),
    ("NET-MIK-HAPAX3", "MikroTik hAP ax³ router", "network", 12, None, "119.00", "mikrotik", "4752224"),
    ("NET-TPL-ER605", "TP-Link ER605 VPN router", "network", 36, None, "69.00", "tplink", "6935364"),
    ("NET-AVM-FB7590", "AVM FRITZ!Box 7590 AX", "network", 60, None, "249.00", "avm", "4023125"),
    ("NET-NGR-GS308", "Netgear GS308 8-port gigabit switch", "network", 36, None, "24.90", "netgear", "0606449"),
    ("PRN-HP-M404DN", "HP LaserJet Pro M404dn", "printer", 12, None, "289.00", "hpprinter", "0192545"),
    ("PRN-BRO-L3750", "Brother HL-L3750CDW colour laser", "printer", 36, None, "339.00", "brother", "4977766"),
    ("PRN-EPS-ET2850", "Epson EcoTank ET-2850", "printer", 24, None, "259.00", "epson", "8715946"),
    ("PRN-CAN-MF455", "Canon i-SENSYS MF455dw", "printer", 12, None, "379.00", "canon", "4549292"),
    ("PRN-ZEB-ZD421", "Zebra ZD421 thermal label printer", "printer", 24, None, "429.00", "zebra", "5711045"),
    ("PRN-KYO-P2235", "Kyocera ECOSYS P2235dn", "printer", 36, None, "219.00", "kyocera", "0632983"),
    ("TON-HP-59A", "HP 59A black toner (CF259A)", "consumable", 0, 1095, "109.00", "toner", "0192545"),
    ("TON-HP-59X", "HP 59X high-yield black toner (CF259X)", "consumable", 0, 1095, "179.00", "toner", "0192545"),
    ("TON-BRO-TN243C", "Brother TN-243C cyan toner", "consumable", 0, 730, "59.00", "toner", "4977766"),
    ("TON-BRO-TN243BK", "Brother TN-243BK black toner", "consumable", 0, 730, "49.00", "toner", "4977766"),
    ("INK-EPS-104-SET", "Epson 104 EcoTank ink bottles, 4 colours", "consumable", 0, 730, "39.90", "toner", "8715946"),
    ("TON-CAN-056H", "Canon 056H black toner", "consumable", 0, 1095, "169.00", "toner", "4549292"),
    ("DRM-KYO-DK1150", "Kyocera DK-1150 drum unit", "consumable", 0, 1460, "89.00", "toner", "0632983"),
    ("MON-DEL-P2723DE", "Dell P2723DE 27\" QHD USB-C monitor", "other", 36, None, "389.00", "dell", "0884116"),
    ("DCK-LEN-USBC", "Lenovo ThinkPad Universal USB-C Dock", "other", 36, None, "219.00", "lenovo", "0196802"),
    ("TAB-APL-IPAD10", "Apple iPad 10.9\", Wi-Fi, 64 GB", "other", 12, None, "409.00", "apple", "0195949"),
    ("TAB-SAM-TABA9", "Samsung Galaxy Tab A9+, 64 GB", "other", 24, None, "219.00", "samsung", "8806095"),
]

DEFECT_NOTES = {
    DefectStage.RECEIVING: [
        (DefectReason.DEAD_ON_ARRIVAL, "does not power on"),
        (DefectReason.MISSING_PARTS, "charger missing from box"),
        (DefectReason.WRONG_ITEM, "label says 256 GB, unit is 128 GB"),
        (DefectReason.COSMETIC, "box crushed, scratch on lid"),
    ],
    DefectStage.STORAGE: [
        (DefectReason.COSMETIC, "packaging damaged by forklift"),
        (DefectReason.FUNCTIONAL, "fails power-on self test"),
        (DefectReason.OTHER, "water damage from roof leak"),
    ],
    DefectStage.PICKING: [
        (DefectReason.COSMETIC, "seal broken"),
        (DefectReason.MISSING_PARTS, "accessory pouch empty"),
    ],
    DefectStage.CUSTOMER_RETURN: [
        (DefectReason.FUNCTIONAL, "customer: battery drains overnight"),
        (DefectReason.DEAD_ON_ARRIVAL, "customer: dead on arrival"),
        (DefectReason.FUNCTIONAL, "customer: screen flickers"),
        (DefectReason.COSMETIC, "customer: dent on the corner"),
    ],
}


# --- the plan (pure) ----------------------------------------------------------


@dataclass
class PlannedItem:
    serial: str
    sku: str
    supplier: str
    receipt: int  # index into DemoPlan.receipts
    warehouse: str
    condition: str
    ownership: str
    unit_cost: Decimal
    status: str | None = None
    bin: str | None = None
    received_at: datetime | None = None
    expires_at: date | None = None
    lot: str | None = None
    sold_at: datetime | None = None
    order_ref: str | None = None
    warranty_ends_on: date | None = None
    movements: list[dict] = field(default_factory=list)
    defects: list[dict] = field(default_factory=list)

    def step(self, kind: str, to_status: str, at: datetime, *, actor: str, to_bin: str | None = None,
             note: str | None = None) -> None:
        """One status change and its movement, under the same rules as transition()."""
        if not can_transition(self.status, to_status):
            raise AssertionError(f"demo plan: {self.status} -> {to_status} is not allowed")
        at = at.replace(microsecond=0)
        if self.movements and at <= self.movements[-1]["at"]:
            at = self.movements[-1]["at"] + timedelta(minutes=1)
        from_bin = self.bin
        self.bin = (to_bin or self.bin) if ItemStatus(to_status) in IN_A_BIN else None
        if kind == K.RECEIVED or (kind == K.FOUND and self.received_at is None):
            self.received_at = at
        self.movements.append(
            {"kind": str(kind), "from_bin": from_bin, "to_bin": self.bin, "from_status": self.status,
             "to_status": str(to_status), "actor": actor, "at": at, "note": note}
        )
        self.status = str(to_status)

    @property
    def last_at(self) -> datetime:
        return self.movements[-1]["at"]


@dataclass
class DemoPlan:
    now: datetime
    receipts: list[dict]
    items: list[PlannedItem]
    gtins: dict[str, str]


ALNUM = string.ascii_uppercase + string.digits
NO_VOWELS = "BCDFGHJKLMNPQRSTVWXYZ0123456789"
HEX = "0123456789ABCDEF"


def _digits(pick, n: int) -> str:
    return pick(string.digits, n)


#: How each maker prints its serials; ``pick(alphabet, n)`` draws n characters.
SERIAL_STYLES = {
    "lenovo": lambda pick: "PF" + pick(ALNUM, 6),
    "dell": lambda pick: pick(NO_VOWELS, 7),
    "hp": lambda pick: "5CG" + _digits(pick, 3) + pick(ALNUM, 4),
    "hpprinter": lambda pick: "VNB" + pick(ALNUM, 7),
    "apple": lambda pick: pick(NO_VOWELS, 10),
    "asus": lambda pick: "N" + pick(string.ascii_uppercase, 2) + "0CV" + _digits(pick, 6),
    "mac": lambda pick: "F4E2C6" + pick(HEX, 6),
    "cisco": lambda pick: "FGL" + _digits(pick, 4) + pick(ALNUM, 4),
    "mikrotik": lambda pick: "HEF0" + pick(HEX, 8),
    "tplink": lambda pick: "22" + _digits(pick, 11),
    "avm": lambda pick: "A" + ".".join(_digits(pick, n) for n in (3, 3, 2, 3, 3)),
    "netgear": lambda pick: "6LU" + pick(ALNUM, 10),
    "brother": lambda pick: "E7" + _digits(pick, 2) + pick(string.ascii_uppercase, 1) + _digits(pick, 6),
    "epson": lambda pick: "X5" + pick(ALNUM, 8),
    "canon": lambda pick: "XPD" + _digits(pick, 5),
    "zebra": lambda pick: "D4J" + _digits(pick, 9),
    "kyocera": lambda pick: "VCS" + _digits(pick, 7),
    "samsung": lambda pick: "R5" + pick(ALNUM, 9),
    "toner": lambda pick: "CRG" + _digits(pick, 10),
    # a refurbisher writing its own serials in lower case: look-up ignores case
    "kestrel": lambda pick: "kr-" + _digits(pick, 4) + "-" + pick(string.ascii_lowercase + string.digits, 6),
}


def _serial(rng: random.Random, style: str, tac: str) -> str:
    """A serial in the style its maker prints on the label."""

    def pick(alphabet: str, n: int) -> str:
        return "".join(rng.choices(alphabet, k=n))

    if style == "imei":
        body = tac + pick(string.digits, 6)
        return body + str(luhn_check_digit(body))
    return SERIAL_STYLES[style](pick)


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A moment after ``start`` and before ``end`` (a minute after ``start`` when there is no room)."""
    seconds = int((end - start).total_seconds())
    if seconds <= 120:
        return start + timedelta(seconds=60)
    return start + timedelta(seconds=rng.randrange(60, seconds))


def plan_demo(*, seed: int = 42, now: datetime | None = None) -> DemoPlan:
    """The whole demo warehouse as plain data, deterministic for ``seed``."""
    rng = random.Random(seed)
    now = (now or utcnow()).replace(microsecond=0)

    gtins: dict[str, str] = {}
    for sku, *_rest, prefix in PRODUCTS:
        while True:
            body = prefix + "".join(rng.choice(string.digits) for _ in range(12 - len(prefix)))
            gtin = body + str(gtin_check_digit(body))
            if gtin not in gtins.values():
                gtins[sku] = gtin
                break

    # each product sells at its own pace; some are slow movers that age
    pace = {sku: CATEGORIES[cat][1] * rng.choice([0.5, 0.8, 1.0, 1.0, 1.3, 2.0, 4.0])
            for sku, _n, cat, *_rest in PRODUCTS}
    tacs = {sku: "35" + "".join(rng.choice(string.digits) for _ in range(6)) for sku, *_ in PRODUCTS}
    by_supplier: dict[str, list[tuple]] = {code: [] for code, *_ in SUPPLIERS}
    for product in PRODUCTS:
        for supplier in CATEGORIES[product[2]][0]:
            by_supplier[supplier].append(product)
    storage = {code: parse_bin_pattern(*pattern).codes() for code, _n, pattern, _share in WAREHOUSES}
    home_bins = {(wh, p[0]): rng.sample(codes, 3) for wh, codes in storage.items() for p in PRODUCTS}

    # receipts: more of them, and bigger, as the business grows
    days_ago = sorted((rng.uniform(14, HISTORY_DAYS) for _ in range(RECEIPTS - OPEN_RECEIPTS)), reverse=True)
    days_ago += sorted((rng.uniform(0.3, 12) for _ in range(OPEN_RECEIPTS)), reverse=True)
    weights = [rng.uniform(0.6, 1.4) * (0.4 + 1.6 * (HISTORY_DAYS - d) / HISTORY_DAYS) for d in days_ago]
    sizes = [max(5, int(TOTAL_SERIALS * w / sum(weights))) for w in weights]
    sizes[-OPEN_RECEIPTS - 1] += TOTAL_SERIALS - sum(sizes)

    receipts: list[dict] = []
    items: list[PlannedItem] = []
    keys: set[str] = set()
    orders = 0
    for index, (ago, size) in enumerate(zip(days_ago, sizes, strict=True)):
        is_open = index >= RECEIPTS - OPEN_RECEIPTS
        supplier = rng.choices(SUPPLIERS, weights=SUPPLIER_WEIGHTS)[0]
        code, _name, _trusted, defect_factor, consignment_share, refurbished_share = supplier
        warehouse = "AMS1" if rng.random() < WAREHOUSES[0][3] else "LYO1"
        created = now - timedelta(days=ago)
        closed = None if is_open else created + timedelta(days=rng.uniform(3, 6))
        receipts.append({
            "supplier": code, "warehouse": warehouse,
            "reference": f"PO-{created:%Y}-{1000 + index:05d}",
            "expected_date": (created + timedelta(days=2)).date(),
            "status": ReceiptStatus.OPEN if is_open else ReceiptStatus.CLOSED,
            "created_at": created, "closed_at": closed,
            "file_name": f"{code.lower()}_asn_{created:%Y%m%d}.csv",
        })
        # an open receipt is partly received: the newest not at all yet
        received_share = 0.0 if index == RECEIPTS - 1 else (rng.uniform(0.2, 0.9) if is_open else 1.0)
        lines = rng.sample(by_supplier[code], k=min(len(by_supplier[code]), rng.randint(1, 4)))
        for n in range(size):
            sku, _pname, _cat, warranty, shelf_life, cost, style, _prefix = lines[n % len(lines)]
            style = "kestrel" if code == "KESTREL" and rng.random() < 0.3 else style
            while True:
                serial = _serial(rng, style, tacs[sku])
                if serial_key(serial) not in keys:
                    keys.add(serial_key(serial))
                    break
            refurbished = rng.random() < refurbished_share
            roll = rng.random()
            condition = (Condition.REFURBISHED if refurbished else Condition.SAMPLE if roll < 0.015
                         else Condition.DAMAGED if roll < 0.025 else Condition.REGULAR)
            price = Decimal(cost) * Decimal(str(round(rng.uniform(0.92, 1.05) * (0.6 if refurbished else 1), 3)))
            item = PlannedItem(
                serial=serial, sku=sku, supplier=code, receipt=index, warehouse=warehouse,
                condition=str(condition),
                ownership=str(Ownership.CONSIGNMENT if rng.random() < consignment_share else Ownership.OWNED),
                unit_cost=price.quantize(Decimal("0.01")),
            )
            item.step(K.LISTED, S.EXPECTED, created, actor="receiver", note=f"listed on {receipts[-1]['file_name']}")
            items.append(item)
            orders = _live(rng, item, now=now, closed=closed, received_share=received_share,
                           defect_factor=defect_factor, warranty=warranty, shelf_life=shelf_life,
                           pace=pace[sku], bins=home_bins[(warehouse, sku)], storage=storage[warehouse],
                           orders=orders)
    return DemoPlan(now=now, receipts=receipts, items=items, gtins=gtins)


def _defect(rng: random.Random, item: PlannedItem, stage: DefectStage, at: datetime, actor: str) -> None:
    reason, note = rng.choice(DEFECT_NOTES[stage])
    item.step(K.DEFECT, S.DEFECTIVE, at, actor=actor, to_bin=QUARANTINE_BIN_CODE, note=f"{reason}: {note}")
    item.defects.append({"reason_code": str(reason), "stage_found": str(stage), "note": note,
                         "actor": actor, "at": item.last_at})


def _maybe_return(rng: random.Random, item: PlannedItem, now: datetime) -> None:
    """Defective units go back to their supplier after a while (RMA)."""
    back = item.last_at + timedelta(days=rng.uniform(10, 90))
    if back < now and rng.random() < 0.7:
        item.step(K.RETURNED, S.RETURNED_TO_SUPPLIER, back, actor="manager",
                  note=f"RMA-{back:%y%m}-{rng.randint(100, 999)}")


def _live(rng: random.Random, item: PlannedItem, *, now, closed, received_share, defect_factor, warranty,
          shelf_life, pace, bins, storage, orders) -> int:
    """One item's story after it was listed. Returns the order counter."""
    created = item.last_at
    if closed is None:  # open receipt: received at the dock, some already put away
        if rng.random() >= received_share:
            return orders
        at = _between(rng, created, now - timedelta(minutes=30))
        if rng.random() < 0.5:
            item.step(K.RECEIVED, S.IN_STOCK, at, actor="receiver", to_bin=DOCK_BIN_CODE)
            put_away = _between(rng, at, now - timedelta(minutes=5))
            item.step(K.MOVED, S.IN_STOCK, put_away, actor="operator", to_bin=rng.choice(bins))
        else:
            item.step(K.RECEIVED, S.IN_STOCK, at, actor="receiver", to_bin=DOCK_BIN_CODE)
        _set_expiry(item, shelf_life)
        return orders

    # closed receipt: received, dead on arrival, or never arrived
    roll = rng.random()
    if roll < 0.006:
        item.step(K.MARKED_MISSING, S.MISSING, closed, actor="receiver", note="not delivered; receipt closed")
        if rng.random() < 0.2:
            found = closed + timedelta(days=rng.uniform(3, 60))
            if found < now:
                item.step(K.FOUND, S.IN_STOCK, found, actor="operator", to_bin=rng.choice(bins),
                          note="found behind the dock shelving")
                _set_expiry(item, shelf_life)
        return orders
    if roll < 0.006 + 0.004 * defect_factor:
        _defect(rng, item, DefectStage.RECEIVING, created + timedelta(hours=rng.uniform(2, 60)), "receiver")
        _maybe_return(rng, item, now)
        return orders
    received = created + timedelta(hours=rng.uniform(2, 60))
    if rng.random() < 0.15:  # received at the dock, put away later
        item.step(K.RECEIVED, S.IN_STOCK, received, actor="receiver", to_bin=DOCK_BIN_CODE)
        item.step(K.MOVED, S.IN_STOCK, received + timedelta(hours=rng.uniform(1, 20)), actor="operator",
                  to_bin=rng.choice(bins))
    else:
        item.step(K.RECEIVED, S.IN_STOCK, received, actor="operator", to_bin=rng.choice(bins))
    _set_expiry(item, shelf_life)

    # in stock: sold at the product's pace, unless something happens first
    slow = 3.0 if item.condition in (Condition.SAMPLE, Condition.DAMAGED) else 1.0
    sale = item.last_at + timedelta(days=rng.expovariate(1 / (pace * slow)))
    mishap = rng.random()
    if mishap < 0.08:  # moved to another bin on the way
        moved = _between(rng, item.last_at, min(sale, now))
        if moved < now:
            item.step(K.MOVED, S.IN_STOCK, moved, actor="operator", to_bin=rng.choice(storage),
                      note="re-slotted")
    event_at = _between(rng, item.last_at, min(sale, now))
    if mishap < 0.012 * defect_factor and event_at < now:
        _defect(rng, item, rng.choice([DefectStage.STORAGE, DefectStage.PICKING]), event_at, "operator")
        _maybe_return(rng, item, now)
        return orders
    if 0.1 < mishap < 0.105 and event_at < now:
        item.step(K.MARKED_MISSING, S.MISSING, event_at, actor="manager", note="not found in cycle count")
        return orders
    if 0.2 < mishap < 0.207 and event_at < now:
        item.step(K.RETURNED, S.RETURNED_TO_SUPPLIER, event_at, actor="manager", note="overstock returned for credit")
        return orders
    if sale >= now:
        return orders
    orders += 1
    item.order_ref = f"SO-{sale:%Y}-{orders:06d}"
    item.step(K.SHIPPED, S.SOLD, sale, actor="operator", note=item.order_ref)
    item.sold_at = item.last_at
    item.warranty_ends_on = warranty_ends_on(item.sold_at.date(), warranty)
    if rng.random() < 0.03 * defect_factor:  # customer return
        back = sale + timedelta(days=rng.uniform(3, 30))
        if back < now:
            if rng.random() < 0.5:
                _defect(rng, item, DefectStage.CUSTOMER_RETURN, back, "operator")
                _maybe_return(rng, item, now)
            else:
                item.step(K.RESTOCKED, S.IN_STOCK, back, actor="operator", to_bin=rng.choice(bins),
                          note=f"customer return of {item.order_ref}, unopened")
                item.sold_at = item.order_ref = item.warranty_ends_on = None  # for sale again
    return orders


def _set_expiry(item: PlannedItem, shelf_life: int | None) -> None:
    if shelf_life and item.received_at:
        # made a few months before it reached us, in the supplier's batch of that receipt
        item.expires_at = (item.received_at + timedelta(days=shelf_life - 90)).date()
        item.lot = f"L{item.expires_at:%y%m}-{item.receipt + 1:03d}"


# --- writing it (set-based) -----------------------------------------------------


def _chunks(rows: list[dict], size: int = CHUNK):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _insert(session: Session, model, rows: list[dict]) -> None:
    """Set-based insert: no ORM objects, no statement per row.

    PostgreSQL gets COPY (psycopg's executemany costs a round trip per row,
    several seconds for the demo's 80,000 rows); elsewhere a Core
    executemany in chunks. Both run in the session's transaction."""
    if not rows:
        return
    table = model.__table__
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        columns = list(rows[0])
        cursor = connection.connection.driver_connection.cursor()
        statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"  # our own names
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        return
    for chunk in _chunks(rows):
        session.execute(insert(table), chunk)


def _ids_by(session: Session, key, where) -> dict:
    """{key: id} of the rows (of ``key``'s table) that ``where`` picks: one query for rows just inserted."""
    return dict(session.execute(select(key, key.class_.id).where(where)).all())


def seed_demo(session: Session, *, seed: int = 42) -> str:
    """Load the demo warehouse into an empty database. Never commits."""
    started = time.perf_counter()
    users = {role: create_user(session, username=name, role=role, password=password).id
             for name, password, role in DEMO_LOGINS}
    plan = plan_demo(seed=seed)

    opened = plan.now - timedelta(days=HISTORY_DAYS + 30)
    _insert(session, models.Supplier, [{"code": c, "name": n, "trusted": t, "active": True, "created_at": opened}
                                       for c, n, t, *_ in SUPPLIERS])
    supplier_ids = _ids_by(session, models.Supplier.code, models.Supplier.code.in_([s[0] for s in SUPPLIERS]))
    _insert(session, models.Product, [
        {"sku": sku, "name": name, "gtin": plan.gtins[sku], "warranty_months": warranty,
         "shelf_life_days": shelf_life, "unit_cost": Decimal(cost), "active": True, "created_at": opened}
        for sku, name, _cat, warranty, shelf_life, cost, _style, _prefix in PRODUCTS
    ])
    product_ids = _ids_by(session, models.Product.sku, models.Product.sku.in_([p[0] for p in PRODUCTS]))
    warehouse_ids: dict[str, int] = {}
    for code, name, (segments, separator), _share in WAREHOUSES:
        warehouse = catalog.create_warehouse(session, code=code, name=name)
        catalog.create_bins(session, warehouse=warehouse, codes=parse_bin_pattern(segments, separator).codes())
        warehouse_ids[code] = warehouse.id
    bins = models.Bin
    bin_ids = {(w, c): i for i, w, c in session.execute(
        select(bins.id, bins.warehouse_id, bins.code).where(bins.warehouse_id.in_(warehouse_ids.values()))
    )}

    _insert(session, models.Receipt, [
        {"supplier_id": supplier_ids[r["supplier"]], "warehouse_id": warehouse_ids[r["warehouse"]],
         "reference": r["reference"], "expected_date": r["expected_date"], "status": str(r["status"]),
         "created_by_id": users["receiver"], "created_at": r["created_at"], "closed_at": r["closed_at"],
         "file_name": r["file_name"], "skipped_rows": 0}
        for r in plan.receipts
    ])
    # the demo receiver created every demo receipt, and references are unique among them
    by_reference = _ids_by(session, models.Receipt.reference, models.Receipt.created_by_id == users["receiver"])
    receipt_ids = [by_reference[r["reference"]] for r in plan.receipts]

    def bin_id(warehouse: str, code: str | None) -> int | None:
        return bin_ids[(warehouse_ids[warehouse], code)] if code else None

    # the migration tests seed a database of an older schema, from before serial_items.lot (0014)
    with_lots = "lot" in {c["name"] for c in inspect(session.connection()).get_columns("serial_items")}
    _insert(session, models.SerialItem, [
        {"serial": i.serial, "serial_key": serial_key(i.serial), "product_id": product_ids[i.sku],
         "supplier_id": supplier_ids[i.supplier], "receipt_id": receipt_ids[i.receipt],
         "warehouse_id": warehouse_ids[i.warehouse], "bin_id": bin_id(i.warehouse, i.bin),
         "status": i.status, "condition": i.condition, "ownership": i.ownership, "unit_cost": i.unit_cost,
         "received_at": i.received_at, "expires_at": i.expires_at, "sold_at": i.sold_at,
         "order_ref": i.order_ref, "warranty_ends_on": i.warranty_ends_on, "created_at": i.movements[0]["at"],
         **({"lot": i.lot} if with_lots else {})}
        for i in plan.items
    ])
    by_key = _ids_by(session, models.SerialItem.serial_key, models.SerialItem.receipt_id.in_(receipt_ids))
    item_ids = [by_key[serial_key(i.serial)] for i in plan.items]

    movements = [
        {"item_id": item_id, "kind": m["kind"], "from_bin_id": bin_id(item.warehouse, m["from_bin"]),
         "to_bin_id": bin_id(item.warehouse, m["to_bin"]), "from_status": m["from_status"],
         "to_status": m["to_status"], "actor_id": users[m["actor"]], "at": m["at"], "note": m["note"]}
        for item, item_id in zip(plan.items, item_ids, strict=True)
        for m in item.movements
    ]
    movements.sort(key=lambda m: m["at"])  # the ledger's ids follow time
    ledger.record_history(session, movements)
    defects = [
        {"item_id": item_id, "reason_code": d["reason_code"], "stage_found": d["stage_found"],
         "note": d["note"], "reported_by_id": users[d["actor"]], "reported_at": d["at"]}
        for item, item_id in zip(plan.items, item_ids, strict=True)
        for d in item.defects
    ]
    _insert(session, models.DefectReport, defects)

    by_status: dict[str, int] = {}
    for item in plan.items:
        by_status[item.status] = by_status.get(item.status, 0) + 1
    elapsed = time.perf_counter() - started
    statuses = ", ".join(f"{s.replace('_', ' ')} {by_status.get(s, 0):,}" for s in ItemStatus)
    open_receipts = sum(1 for r in plan.receipts if r["status"] == ReceiptStatus.OPEN)
    return (
        f"Demo warehouse loaded in {elapsed:.1f} s (seed {seed}): {len(WAREHOUSES)} warehouses, "
        f"{len(bin_ids)} bins, {len(SUPPLIERS)} suppliers, {len(PRODUCTS)} products, "
        f"{len(plan.items):,} serials ({statuses}), {len(plan.receipts)} receipts ({open_receipts} open), "
        f"{len(movements):,} movements, {len(defects):,} defect reports, {len(DEMO_LOGINS)} users."
    )
