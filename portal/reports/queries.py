"""Reads for the reports: every aggregation runs in the database (GROUP BY,
CASE for the age buckets) so that a million in-stock serials come back as a
few thousand grouped rows. pandas only shapes what these return.

The two databases differ in date arithmetic only; ``_days_since`` and friends
hide that.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import (
    Date,
    Float,
    Integer,
    String,
    and_,
    case,
    cast,
    distinct,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from ..items import as_of
from ..models import (
    Bin,
    Condition,
    DefectReport,
    DefectStage,
    ItemStatus,
    Movement,
    MovementKind,
    Ownership,
    Product,
    Receipt,
    SerialItem,
    Supplier,
    Warehouse,
)
from ..supplier_returns.models import ItemReplacement, SupplierReturn, SupplierReturnLine, SupplierReturnRemoval
from .filters import AgingFilters, DefectFilters, day_start, next_day_start, today

IN_STOCK = ItemStatus.IN_STOCK.value
IN_TRANSIT = ItemStatus.IN_TRANSIT.value
#: A past as-of date's moment is the last instant of that day (timestamps keep microseconds).
LAST_INSTANT = timedelta(microseconds=1)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _days_since(session: Session, moment, as_of: date):
    """Whole days from the calendar day of ``moment`` to ``as_of``.

    On SQLite the day is the stored text's first ten characters (timestamps are
    stored as ISO text): one short parse per row where date() then julianday()
    parsed twice and formatted once, and exact where julianday() of the whole
    timestamp rounds a time within half a millisecond of midnight up to the next day."""
    if _dialect(session) == "sqlite":
        return cast(func.julianday(as_of.isoformat()) - func.julianday(func.substr(moment, 1, 10)), Integer)
    return literal(as_of, Date) - cast(moment, Date)


def _days_between(session: Session, earlier, later):
    if _dialect(session) == "sqlite":
        return cast(func.julianday(func.date(later)) - func.julianday(func.date(earlier)), Integer)
    return cast(later, Date) - cast(earlier, Date)


def _plus_days(session: Session, moment, days):
    """The calendar day ``days`` after ``moment`` (a date)."""
    if _dialect(session) == "sqlite":
        # '+' || NULL yields NULL: no shelf life, no expiry
        return type_coerce(func.date(moment, "+" + cast(days, String) + " days"), Date)
    return type_coerce(cast(moment, Date) + days, Date)


def _plain_scan(session: Session, column):
    """On SQLite, a unary + on a column keeps the planner from an index on it.
    Nearly every item is in stock, and a skip-scan of ix_serial_items_fifo on
    received_at reads them one table lookup per row: several times a plain
    pass. PostgreSQL's planner knows the proportions and needs no hint."""
    if _dialect(session) == "sqlite":
        return literal_column(f"+{column.table.name}.{column.name}", column.type)
    return column


def _const(value: int):
    """A small integer written into the SQL, not bound: GROUP BY keys stay plain."""
    return literal_column(str(int(value)), Integer)


def _frame(session: Session, stmt) -> pd.DataFrame:
    result = session.execute(stmt)
    # plain tuples: pandas inspects Row objects one by one (70 ms for 20,000 rows)
    return pd.DataFrame([tuple(row) for row in result], columns=list(result.keys()))


# --- stock aging ----------------------------------------------------------------


def in_stock_units(session: Session, filters: AgingFilters, *, product_ids: list[int] | None = None,
                   received_before: datetime | None = None, status: str = IN_STOCK):
    """The units in stock (or, with ``status``, in transit) at the end of
    ``filters.as_of``, as a subquery (item_id, product_id, supplier_id,
    warehouse_id, bin_id, received_at, expires_at, unit_cost: the unit's own
    cost, may be NULL).

    For today the item's own status, bin, warehouse, condition and ownership
    answer. For a past date the ledger does, through :mod:`portal.items.as_of`:
    an item was in stock if its latest movement up to that moment put it in
    stock, and it sat in that movement's bin; in transit likewise, from the
    warehouse it had then (no bin); the condition and ownership filters compare
    the values each unit had at that moment (a LEFT JOIN of the few units whose
    value changed since). No join to products here: per-product facts (cost,
    shelf life) are applied after grouping or through small CASE expressions,
    so a million rows are read once, plainly.
    """
    end = next_day_start(filters.as_of)
    item = SerialItem
    columns = [
        item.id.label("item_id"),
        item.product_id,
        item.supplier_id,
        item.received_at,
        item.expires_at,
        item.unit_cost,
    ]
    # a few products' units, a few old units or the few in transit: an index finds them; all units: a plain scan
    narrow = product_ids is not None or received_before is not None or status != IN_STOCK
    plain = (lambda column: column) if narrow else (lambda column: _plain_scan(session, column))
    attributes = {"condition": item.condition, "ownership": item.ownership}
    if filters.as_of >= today():
        stmt = select(*columns, item.warehouse_id, item.bin_id).where(plain(item.status) == status)
        warehouse_column = item.warehouse_id
    else:
        moment = end - LAST_INSTANT
        last = aliased(Movement)
        if status == IN_STOCK:
            latest = as_of.latest_movements(moment)
        else:  # the few items that may have been in that status (in transit): their latest movements only
            latest = as_of.latest_movements(moment, item_ids=as_of.maybe_in(status, moment))
        changes = as_of.changed_after("warehouse_id", moment) if status != IN_STOCK else None
        where = aliased(Bin)
        # in stock: the warehouse of the bin it sat in; in transit (no bin): the warehouse it had then
        warehouse_column = where.warehouse_id if changes is None else as_of.value_at(changes, item.warehouse_id)
        stmt = (
            select(*columns, warehouse_column.label("warehouse_id"), last.to_bin_id.label("bin_id"))
            .join(latest, latest.c.item_id == item.id)
            .join(last, last.id == latest.c.movement_id)
            .where(last.to_status == status)
        )
        stmt = (stmt.join(where, where.id == last.to_bin_id) if changes is None
                else stmt.outerjoin(changes, changes.c.item_id == item.id))
        for name in attributes:
            if getattr(filters, name):
                changes = as_of.changed_after(name, moment)
                stmt = stmt.outerjoin(changes, changes.c.item_id == item.id)
                attributes[name] = as_of.value_at(changes, attributes[name])
    received_at = plain(item.received_at)
    # one upper bound: given two, SQLite may take the wider one for the index range and filter by the other
    stmt = stmt.where(received_at.is_not(None), received_at < min(end, received_before or end))
    if product_ids is not None:
        stmt = stmt.where(item.product_id.in_(sorted(int(i) for i in product_ids)))
    return _where_aging_filters(stmt, filters, warehouse_column, **attributes).subquery("stock")


def _where_aging_filters(stmt, filters: AgingFilters, warehouse_column, *, condition=SerialItem.condition,
                         ownership=SerialItem.ownership):
    """``stmt`` (which reads SerialItem) narrowed to the filters' warehouse (as
    ``warehouse_column`` tells it), supplier, product, condition and ownership
    (as ``condition`` and ``ownership`` tell them: the item's own by default)."""
    item = SerialItem
    if filters.warehouse:
        stmt = stmt.where(warehouse_column == filters.warehouse.id)
    if filters.supplier:
        stmt = stmt.where(item.supplier_id == filters.supplier.id)
    if filters.product:
        stmt = stmt.where(item.product_id == filters.product.id)
    if filters.condition:
        stmt = stmt.where(condition == filters.condition)
    if filters.ownership:
        stmt = stmt.where(ownership == filters.ownership)
    return stmt


def _shelf_lives(session: Session) -> dict[int, list[int]]:
    """Products with a shelf life, by shelf life: {days: [product ids]} (a few rows)."""
    lives: dict[int, list[int]] = {}
    for product_id, days in session.execute(
        select(Product.id, Product.shelf_life_days).where(Product.shelf_life_days.is_not(None))
    ):
        lives.setdefault(int(days), []).append(product_id)
    return lives


def _id_ranges(session: Session, top: int = 64) -> tuple[int, int, int] | None:
    """One more than the largest product, supplier and warehouse id, if a packed
    integer key of (``top`` values, product, supplier, warehouse) fits in 63 bits."""
    sizes = tuple(
        int(session.scalar(select(func.coalesce(func.max(model.id), 0)))) + 1
        for model in (Product, Supplier, Warehouse)
    )
    return sizes if top * sizes[0] * sizes[1] * sizes[2] < 2**62 else None


def _expiry_state(rows, filters: AgingFilters, lives: dict[int, list[int]], *, age=None):
    """2 past expiry, 1 expiring within the window, 0 neither (or no expiry).
    ``rows`` has expires_at, product_id and received_at.

    A unit's own expiry date wins; else receipt day + the product's shelf life
    L: past expiry when older than L days (received before the start of
    as_of - L), expiring within the window W when at least L - W days old
    (received before the start of as_of - L + W + 1). ``age``: the unit's age in
    days, where it is at hand (cheaper to compare than the receipt time)."""
    as_of, window = filters.as_of, filters.near_expiry_days
    own = rows.c.expires_at
    two, one, zero = _const(2), _const(1), _const(0)
    branches = [(own.is_not(None), case((own < as_of, two), (own <= as_of + timedelta(days=window), one),
                                        else_=zero))]
    for days, product_ids in sorted(lives.items()):
        if age is not None:
            expired, near = age > _const(days), age >= _const(days - window)
        else:
            expired = rows.c.received_at < day_start(as_of - timedelta(days=days))
            near = rows.c.received_at < day_start(as_of + timedelta(days=window - days + 1))
        branches.append((rows.c.product_id.in_(product_ids), case((expired, two), (near, one), else_=zero)))
    return case(*branches, else_=zero)


def _bucket(age, buckets: list[int]):
    """The index of the age bucket: the first limit the age does not exceed."""
    return case(*[(age <= _const(limit), _const(index)) for index, limit in enumerate(buckets)],
                else_=_const(len(buckets)))


def aging_groups(session: Session, filters: AgingFilters, buckets: list[int], *,
                 status: str = IN_STOCK) -> pd.DataFrame:
    """The one read of the in-stock units, one row per (product, supplier,
    warehouse) holding stock: units and value at cost per age bucket (``b0``..,
    ``v0``..), ``units``, ``value``, ``age_days`` (the ages summed),
    ``oldest_age`` (in days), ``expired_units``, ``near_expiry_units`` and
    ``youngest_expiring_age`` (of those, none if none); with the product,
    supplier and warehouse names.

    Every breakdown of the report is a sum over these rows (a few thousand),
    so pandas derives them; the database reads the million units once.
    """
    stock = in_stock_units(session, filters, status=status)
    lives = _shelf_lives(session)
    sizes = _id_ranges(session, top=4 * (len(buckets) + 1)) if _dialect(session) == "sqlite" else None
    if sizes is None:
        parts = _aging_by_filtered_sums(session, stock, filters, buckets, lives)
    else:
        parts = _aging_by_packed_key(session, stock, filters, buckets, lives, sizes)
    return _priced_and_named(session, parts, len(buckets) + 1)


def _aged_units(session: Session, stock, filters: AgingFilters):
    """SQLite: the units with their age in days, computed once per unit: LIMIT
    -1 keeps the subquery from being flattened into the grouping, where the
    age would be recomputed for every bucket, the expiry state and the sums."""
    return select(
        stock.c.product_id, stock.c.supplier_id, stock.c.warehouse_id, stock.c.expires_at, stock.c.unit_cost,
        stock.c.received_at, _days_since(session, stock.c.received_at, filters.as_of).label("age"),
    ).limit(-1).subquery("aged")


def _aging_by_filtered_sums(session: Session, stock, filters: AgingFilters, buckets: list[int],
                            lives: dict[int, list[int]]) -> pd.DataFrame:
    """PostgreSQL (and SQLite with very large ids): GROUP BY the three ids, a
    filtered count and sum per bucket. Few groups, so PostgreSQL aggregates in
    parallel workers; grouping by the computed bucket and expiry state instead
    kept it to one process (0.75 s instead of 0.5 s at a million units).

    PostgreSQL compares receipt times with the day boundaries; SQLite compares
    ages in whole days, as its stored text may lack the fractional seconds
    ('... 00:00:00' sorts before '... 00:00:00.000000')."""
    as_of, received = filters.as_of, stock.c.received_at
    by_day = _dialect(session) == "sqlite"
    if by_day:
        stock = _aged_units(session, stock, filters)
        age = stock.c.age
    else:
        age = _days_since(session, received, as_of)
    limits = [None, *buckets, None]  # bucket i: older than limits[i] days, at most limits[i + 1] days old
    measures = []
    for index in range(len(buckets) + 1):
        younger, older = limits[index + 1], limits[index]
        if by_day:
            bounds = [age <= _const(younger)] if younger is not None else []
            bounds += [age > _const(older)] if older is not None else []
        else:
            bounds = [received >= day_start(as_of - timedelta(days=younger))] if younger is not None else []
            bounds += [received < day_start(as_of - timedelta(days=older))] if older is not None else []
        here = and_(*bounds)
        measures += [
            func.count().filter(here).label(f"units_{index}"),
            func.count(stock.c.unit_cost).filter(here).label(f"costed_{index}"),
            type_coerce(func.sum(stock.c.unit_cost).filter(here), Float).label(f"own_cost_{index}"),
        ]
    state = _expiry_state(stock, filters, lives, age=age if by_day else None)
    stmt = select(
        stock.c.product_id, stock.c.supplier_id, stock.c.warehouse_id, *measures,
        type_coerce(func.sum(age), Integer).label("age_days"),
        type_coerce(func.max(age), Integer).label("oldest_age"),
        func.count().filter(state == _const(2)).label("expired_units"),
        func.count().filter(state == _const(1)).label("near_expiry_units"),
        type_coerce(func.min(age).filter(state > _const(0)), Integer).label("youngest_expiring_age"),
    ).group_by(stock.c.product_id, stock.c.supplier_id, stock.c.warehouse_id)
    return _frame(session, stmt)


def _aging_by_packed_key(session: Session, stock, filters: AgingFilters, buckets: list[int],
                         lives: dict[int, list[int]], sizes: tuple[int, int, int]) -> pd.DataFrame:
    """SQLite: GROUP BY one integer packing (bucket, expiry state, product,
    supplier, warehouse), then fold the few thousand groups into the filtered
    sums' shape in pandas.

    SQLite groups by sorting; it sorts one integer key much faster than
    several columns, and conditional sums cost more per row than a wider key."""
    products, suppliers, warehouses = sizes
    aged = _aged_units(session, stock, filters)
    state = _expiry_state(aged, filters, lives, age=aged.c.age)
    key = (((_bucket(aged.c.age, buckets) * 4 + state) * products + aged.c.product_id) * suppliers
           + aged.c.supplier_id) * warehouses + aged.c.warehouse_id
    stmt = select(
        key.label("group_key"),
        func.count().label("units"),
        func.count(aged.c.unit_cost).label("costed"),
        type_coerce(func.sum(aged.c.unit_cost), Float).label("own_cost"),
        type_coerce(func.sum(aged.c.age), Integer).label("age_days"),
        type_coerce(func.max(aged.c.age), Integer).label("oldest_age"),
        type_coerce(func.min(aged.c.age), Integer).label("youngest_age"),
    ).group_by(literal_column("group_key"))
    packed = _frame(session, stmt)
    key = packed.pop("group_key").astype("int64")
    packed["warehouse_id"] = key % warehouses
    packed["supplier_id"] = key // warehouses % suppliers
    packed["product_id"] = key // (warehouses * suppliers) % products
    state = key // (warehouses * suppliers * products) % 4
    packed["bucket"] = key // (warehouses * suppliers * products * 4)
    packed["expired_units"] = packed["units"].where(state == 2, 0)
    packed["near_expiry_units"] = packed["units"].where(state == 1, 0)
    packed["youngest_expiring_age"] = packed["youngest_age"].where(state > 0)
    ids = ["product_id", "supplier_id", "warehouse_id"]
    by_ids = packed.groupby(ids)
    frame = by_ids.agg(age_days=("age_days", "sum"), oldest_age=("oldest_age", "max"),
                       expired_units=("expired_units", "sum"), near_expiry_units=("near_expiry_units", "sum"),
                       youngest_expiring_age=("youngest_expiring_age", "min"))
    per_bucket = packed.pivot_table(index=ids, columns="bucket", values=["units", "costed", "own_cost"],
                                    aggfunc="sum", fill_value=0)
    for index in range(len(buckets) + 1):
        for measure, name in (("units", "units"), ("costed", "costed"), ("own_cost", "own_cost")):
            column = (measure, index)
            frame[f"{name}_{index}"] = per_bucket[column] if column in per_bucket.columns else 0
    return frame.reset_index()


def _priced_and_named(session: Session, parts: pd.DataFrame, bucket_count: int) -> pd.DataFrame:
    """Value at cost per bucket (the unit's own cost, else its product's:
    applied per group, not per unit), totals, and the names."""
    columns = ["product_id", "supplier_id", "warehouse_id", "sku", "product_name", "supplier_code",
               "supplier_name", "warehouse_code", "warehouse_name", "units", "value", "age_days",
               "oldest_age", "expired_units", "near_expiry_units", "youngest_expiring_age"]
    columns += [f"b{i}" for i in range(bucket_count)] + [f"v{i}" for i in range(bucket_count)]
    if parts.empty:
        return pd.DataFrame(columns=columns)
    ids = {name: sorted(int(i) for i in parts[f"{name}_id"].unique()) for name in ("product", "supplier", "warehouse")}
    products = _frame(session, select(
        Product.id.label("product_id"), Product.sku, Product.name.label("product_name"),
        type_coerce(Product.unit_cost, Float).label("product_cost"),
    ).where(Product.id.in_(ids["product"])))
    suppliers = _frame(session, select(
        Supplier.id.label("supplier_id"), Supplier.code.label("supplier_code"), Supplier.name.label("supplier_name"),
    ).where(Supplier.id.in_(ids["supplier"])))
    warehouses = _frame(session, select(
        Warehouse.id.label("warehouse_id"), Warehouse.code.label("warehouse_code"),
        Warehouse.name.label("warehouse_name"),
    ).where(Warehouse.id.in_(ids["warehouse"])))
    frame = parts.astype({f"{name}_id": "int64" for name in ("product", "supplier", "warehouse")})
    frame = frame.merge(products, on="product_id").merge(suppliers, on="supplier_id").merge(warehouses,
                                                                                           on="warehouse_id")
    product_cost = frame["product_cost"].astype(float)
    for i in range(bucket_count):
        units = frame[f"units_{i}"].astype("int64")
        uncosted = units - frame[f"costed_{i}"].astype("int64")
        frame[f"b{i}"] = units
        frame[f"v{i}"] = frame[f"own_cost_{i}"].astype(float).fillna(0.0) + uncosted * product_cost
    frame["units"] = frame[[f"b{i}" for i in range(bucket_count)]].sum(axis=1)
    frame["value"] = frame[[f"v{i}" for i in range(bucket_count)]].sum(axis=1)
    frame["age_days"] = frame["age_days"].astype("int64")
    for name in ("oldest_age", "expired_units", "near_expiry_units"):
        frame[name] = frame[name].astype("int64")
    return frame[columns]


def _unit_list(session: Session, chosen, extra_columns, order_by):
    """Names, bins and cost for a few chosen units (a LIMITed subquery of ``stock``)."""
    cost = type_coerce(func.coalesce(chosen.c.unit_cost, Product.unit_cost), Float)
    stmt = (
        select(
            SerialItem.serial,
            Product.sku,
            Product.name.label("product_name"),
            Supplier.code.label("supplier_code"),
            Supplier.name.label("supplier_name"),
            Warehouse.code.label("warehouse_code"),
            Bin.code.label("bin_code"),
            chosen.c.received_at,
            cost.label("cost"),
            *extra_columns,
        )
        .select_from(chosen)
        .join(SerialItem, SerialItem.id == chosen.c.item_id)
        .join(Product, Product.id == chosen.c.product_id)
        .join(Supplier, Supplier.id == chosen.c.supplier_id)
        .join(Warehouse, Warehouse.id == chosen.c.warehouse_id)
        .outerjoin(Bin, Bin.id == chosen.c.bin_id)
        .order_by(*order_by)
    )
    return _frame(session, stmt)


def oldest_units(session: Session, filters: AgingFilters, limit: int = 50, *,
                 product_ids: list[int] | None = None, received_before: datetime | None = None) -> pd.DataFrame:
    """The first-in-first-out pick list: the oldest units and their bins.

    ``product_ids`` (the products in stock) and ``received_before`` (a moment
    by which at least ``limit`` of them had been received), both known from
    :func:`aging_groups`, let the (product, status, received_at) index read
    only the oldest slice of the stock."""
    stock = in_stock_units(session, filters, product_ids=product_ids, received_before=received_before)
    chosen = select(stock).order_by(stock.c.received_at, stock.c.item_id).limit(limit).subquery("oldest")
    age = _days_since(session, chosen.c.received_at, filters.as_of).label("age_days")
    return _unit_list(session, chosen, [age], [chosen.c.received_at, chosen.c.item_id])


def expiring_units(session: Session, filters: AgingFilters, limit: int = 100, *,
                   product_ids: list[int] | None = None, received_before: datetime | None = None) -> pd.DataFrame:
    """Units past expiry or expiring within the window, soonest first.

    ``product_ids`` (the products that have such units) and ``received_before``
    (the day after the youngest such unit was received), known from
    :func:`aging_groups`, keep this to an index range instead of a full scan."""
    stock = in_stock_units(session, filters, product_ids=product_ids, received_before=received_before)
    lives = _shelf_lives(session)
    # by age, as the groups' counts are (exact whatever the stored precision of the receipt time)
    age = _days_since(session, stock.c.received_at, filters.as_of)
    candidates = select(stock).where(_expiry_state(stock, filters, lives, age=age) > 0).subquery("candidates")
    shelf_life = aliased(Product)
    expiry = func.coalesce(
        candidates.c.expires_at, _plus_days(session, candidates.c.received_at, shelf_life.shelf_life_days)
    )
    chosen = (
        select(candidates, expiry.label("expires_on"))
        .join(shelf_life, shelf_life.id == candidates.c.product_id)
        .order_by(expiry, candidates.c.item_id)
        .limit(limit)
        .subquery("expiring")
    )
    return _unit_list(session, chosen, [chosen.c.expires_on], [chosen.c.expires_on, chosen.c.item_id])


def fifo_shipments(session: Session, filters: AgingFilters) -> pd.DataFrame:
    """First-in-first-out compliance, one row per product: units shipped in
    the period and how many of them were the oldest unit of their SKU in stock
    in the same warehouse at the moment of shipping.

    "In stock at that moment" is answered set-based: an older unit of the SKU
    (received strictly earlier) counts if it is in stock now, or if it left
    stock (shipped, flagged defective, returned, marked missing) after that
    moment. A unit that was out of stock at the moment but came back later
    (customer return, found again) is counted as if it had been in stock.
    Reversed shipments still count as shipments.
    """
    start, end = day_start(filters.fifo_from), next_day_start(filters.as_of)
    item = SerialItem
    from_bin = aliased(Bin)
    shipped_wh = func.coalesce(from_bin.warehouse_id, item.warehouse_id)
    shipped = (
        select(
            Movement.id.label("movement_id"),
            Movement.at,
            item.product_id,
            item.received_at,
            shipped_wh.label("warehouse_id"),
        )
        .join(item, item.id == Movement.item_id)
        .outerjoin(from_bin, from_bin.id == Movement.from_bin_id)
        .where(Movement.kind == MovementKind.SHIPPED.value, Movement.at >= start, Movement.at < end)
    )
    # each shipment's unit as it was when it shipped
    shipped = _where_aging_filters(shipped, filters, shipped_wh, **{
        name: as_of.value_after(name, item.id, Movement.id, getattr(item, name))
        for name in ("condition", "ownership") if getattr(filters, name)}).cte("shipped")

    left_item = aliased(SerialItem)
    left_bin = aliased(Bin)
    leaving = (
        select(
            Movement.at,
            left_item.product_id,
            left_item.received_at,
            func.coalesce(left_bin.warehouse_id, left_item.warehouse_id).label("warehouse_id"),
        )
        .join(left_item, left_item.id == Movement.item_id)
        .outerjoin(left_bin, left_bin.id == Movement.from_bin_id)
        .where(Movement.from_status == IN_STOCK, Movement.to_status != IN_STOCK, Movement.at >= start)
        .cte("leaving")
        .prefix_with("MATERIALIZED")
    )
    older = aliased(SerialItem)
    older_in_stock_now = exists().where(
        older.product_id == shipped.c.product_id,
        older.status == IN_STOCK,
        older.received_at < shipped.c.received_at,
        older.warehouse_id == shipped.c.warehouse_id,
    )
    older_left_later = exists().where(
        leaving.c.product_id == shipped.c.product_id,
        leaving.c.warehouse_id == shipped.c.warehouse_id,
        leaving.c.at > shipped.c.at,
        leaving.c.received_at < shipped.c.received_at,
    )
    per_shipment = select(
        shipped.c.product_id,
        case((or_(older_in_stock_now, older_left_later), 0), else_=1).label("oldest"),
    ).subquery("per_shipment")
    grouped = (
        select(
            per_shipment.c.product_id,
            func.count().label("shipped"),
            type_coerce(func.sum(per_shipment.c.oldest), Integer).label("oldest_first"),
        )
        .group_by(per_shipment.c.product_id)
        .subquery("fifo")
    )
    stmt = select(grouped, Product.sku, Product.name.label("product_name")).join(
        Product, Product.id == grouped.c.product_id
    )
    return _frame(session, stmt)


# --- defects by supplier ------------------------------------------------------------


def _first_defects(filters: DefectFilters):
    """Each item's first defect report up to the end of the period (a report whose
    scan was undone is kept, marked undone, and not counted)."""
    return (
        select(DefectReport.item_id, func.min(DefectReport.id).label("report_id"))
        .where(DefectReport.reported_at < next_day_start(filters.date_to), DefectReport.undone_at.is_(None))
        .group_by(DefectReport.item_id)
        .subquery("first_defect")
    )


def _cohort_filters(stmt, filters: DefectFilters, item):
    if filters.warehouse:
        stmt = stmt.outerjoin(Receipt, Receipt.id == item.receipt_id).where(
            func.coalesce(Receipt.warehouse_id, item.warehouse_id) == filters.warehouse.id
        )
    if filters.supplier:
        stmt = stmt.where(item.supplier_id == filters.supplier.id)
    if filters.product:
        stmt = stmt.where(item.product_id == filters.product.id)
    return stmt


def _months(filters: DefectFilters) -> list[str]:
    return list(pd.period_range(filters.date_from, filters.date_to, freq="M").strftime("%Y-%m"))


def _month_of(moment, filters: DefectFilters):
    """The index (into :func:`_months`) of a moment's month inside the period,
    by comparisons: portable, and cheaper than formatting a date per row."""
    months = pd.period_range(filters.date_from, filters.date_to, freq="M")
    branches = [(moment < day_start(month.end_time.date()) + timedelta(days=1), _const(index))
                for index, month in enumerate(months[:-1])]
    last = _const(len(months) - 1)
    return case(*branches, else_=last) if branches else last


def defect_cohorts(session: Session, filters: DefectFilters) -> pd.DataFrame:
    """Units received in the period, and how many of them were reported
    defective by its end, per (supplier, product, month of receipt).

    Two reads: the received units (one plain pass over the items received in
    the period), and the defective ones driven from the (few) first defect
    reports. A unit flagged defective before it was ever put away has no
    receipt time; its first defect report stands in for it (it was in our
    hands then), so it joins the received count from that side.
    """
    item = SerialItem
    month = _month_of(item.received_at, filters)
    received_at = _plain_scan(session, item.received_at)
    sizes = _id_ranges(session) if _dialect(session) == "sqlite" else None
    if sizes is None:
        received = select(item.supplier_id, item.product_id, month.label("month"), func.count().label("received"))
        received = received.group_by(item.supplier_id, item.product_id, literal_column("month"))
    else:
        # SQLite groups by sorting: one packed integer key sorts fastest (see aging_groups)
        products, suppliers = sizes[0], sizes[1]
        key = (month * products + item.product_id) * suppliers + item.supplier_id
        received = select(key.label("group_key"), func.count().label("received")).group_by(
            literal_column("group_key"))
    received = received.where(received_at >= day_start(filters.date_from),
                              received_at < next_day_start(filters.date_to))
    received = _cohort_filters(received, filters, item).subquery("r")
    if sizes is not None:
        k = received.c.group_key
        received = select(
            (k % suppliers).label("supplier_id"), (k // suppliers % products).label("product_id"),
            (k // (suppliers * products)).label("month"), received.c.received,
        ).subquery("r")
    received = _frame(session, _named(received))

    defective = _defective_cohort(session, filters)
    d_month = _month_of(defective.c.received_at, filters).label("month")
    grouped = (
        select(defective.c.supplier_id, defective.c.product_id, d_month, func.count().label("defective"),
               type_coerce(func.sum(defective.c.never_received), Integer).label("never_received"))
        .group_by(defective.c.supplier_id, defective.c.product_id, literal_column("month"))
        .subquery("d")
    )
    defects = _frame(session, _named(grouped))
    keys = ["supplier_id", "product_id", "month", "sku", "product_name", "supplier_code", "supplier_name"]
    if received.empty and defects.empty:
        return pd.DataFrame(columns=[*keys, "received", "defective"])
    for part in (received, defects):
        part[["supplier_id", "product_id", "month"]] = part[["supplier_id", "product_id", "month"]].astype(int)
    frame = received.merge(defects, on=keys, how="outer")
    labels = _months(filters)
    frame["month"] = [labels[int(m)] for m in frame["month"]]
    frame["defective"] = frame["defective"].fillna(0).astype(int)
    frame["received"] = frame["received"].fillna(0).astype(int) + frame["never_received"].fillna(0).astype(int)
    return frame.drop(columns=["never_received"])


def _named(grouped):
    return (
        select(
            grouped,
            Product.sku,
            Product.name.label("product_name"),
            Supplier.code.label("supplier_code"),
            Supplier.name.label("supplier_name"),
        )
        .join(Product, Product.id == grouped.c.product_id)
        .join(Supplier, Supplier.id == grouped.c.supplier_id)
    )


def _defective_cohort(session: Session, filters: DefectFilters):
    """Defective units of the cohort, driven from the (few) defect reports."""
    item = SerialItem
    first = _first_defects(filters)
    report = aliased(DefectReport)
    received = func.coalesce(item.received_at, report.reported_at)
    stmt = (
        select(item.id.label("item_id"), item.supplier_id, item.product_id, report.reason_code,
               received.label("received_at"), report.reported_at,
               case((item.received_at.is_(None), 1), else_=0).label("never_received"))
        .select_from(first)
        .join(report, report.id == first.c.report_id)
        .join(item, item.id == first.c.item_id)
        .where(received >= day_start(filters.date_from), received < next_day_start(filters.date_to))
    )
    return _cohort_filters(stmt, filters, item).subquery("defective")


def defect_reasons(session: Session, filters: DefectFilters) -> pd.DataFrame:
    """Defective units per (supplier, product, reason of the first report)."""
    defective = _defective_cohort(session, filters)
    grouped = (
        select(defective.c.supplier_id, defective.c.product_id, defective.c.reason_code,
               func.count().label("defective"))
        .group_by(defective.c.supplier_id, defective.c.product_id, defective.c.reason_code)
        .subquery("r")
    )
    return _frame(session, _named(grouped))


def days_to_defect(session: Session, filters: DefectFilters) -> pd.DataFrame:
    """How many defective units took how many days from receipt to their first report."""
    defective = _defective_cohort(session, filters)
    days = _days_between(session, defective.c.received_at, defective.c.reported_at).label("days")
    stmt = select(defective.c.supplier_id, days, func.count().label("units")).group_by(
        defective.c.supplier_id, days
    )
    return _frame(session, stmt)


#: Where a defect was found, as the report counts it: the old scans' "picking"
#: was found in storage (a unit in stock), as the scan station now records it.
STAGE_SHOWN = case(
    (DefectReport.stage_found == DefectStage.PICKING.value, literal(DefectStage.STORAGE.value)),
    else_=DefectReport.stage_found,
)


def defects_by_stage(session: Session, filters: DefectFilters) -> pd.DataFrame:
    """Defective units of the cohort per (supplier, stage found): a unit counts
    once under each stage at which a report (not withdrawn, filed by the
    period's end) found it, so a unit repaired after receiving and brought
    back by a customer counts under both. One GROUP BY over the cohort's reports."""
    defective = _defective_cohort(session, filters)
    stmt = (
        select(defective.c.supplier_id, STAGE_SHOWN.label("stage"),
               func.count(distinct(defective.c.item_id)).label("defective"))
        .join(DefectReport, DefectReport.item_id == defective.c.item_id)
        .where(DefectReport.undone_at.is_(None), DefectReport.reported_at < next_day_start(filters.date_to))
        .group_by(defective.c.supplier_id, literal_column("stage"))
    )
    return _frame(session, stmt)


def supplier_returns_in_period(session: Session, filters: DefectFilters) -> list:
    """The returns to suppliers the period saw: opened by its end and not
    closed before its start (so a return shipped long ago and still awaiting
    its credit note is always there), one row each with its supplier,
    warehouse, RMA and credit note numbers, its times, its units (the serials
    on it at the period's end: its lines added by then and those taken off
    after it, of the chosen product if one is) and how many of those the
    supplier had replaced by then. One statement whatever the number of
    suppliers; the few rows are shaped in :mod:`portal.reports.returns`."""
    start, end = day_start(filters.date_from), next_day_start(filters.date_to)
    line, removal = SupplierReturnLine, SupplierReturnRemoval
    on_return = union_all(
        select(line.return_id, line.item_id).where(line.added_at < end),
        select(removal.return_id, removal.item_id).where(removal.added_at < end, removal.removed_at >= end),
    ).subquery("on_return")
    units = (
        select(on_return.c.return_id, func.count().label("units"),
               func.count(ItemReplacement.item_id).label("replaced"))
        .outerjoin(ItemReplacement, and_(ItemReplacement.item_id == on_return.c.item_id,
                                         ItemReplacement.linked_at < end))
    )
    if filters.product:
        units = units.join(SerialItem, SerialItem.id == on_return.c.item_id).where(
            SerialItem.product_id == filters.product.id)
    units = units.group_by(on_return.c.return_id).subquery("units")
    sent = SupplierReturn
    stmt = (
        select(sent.id.label("return_id"), sent.supplier_id, Supplier.code.label("supplier_code"),
               Supplier.name.label("supplier_name"), Warehouse.code.label("warehouse_code"), sent.rma_number,
               sent.created_at, sent.shipped_at, sent.closed_at, sent.credit_note,
               func.coalesce(units.c.units, 0).label("units"), func.coalesce(units.c.replaced, 0).label("replaced"))
        .join(Supplier, Supplier.id == sent.supplier_id)
        .join(Warehouse, Warehouse.id == sent.warehouse_id)
        .join(units, units.c.return_id == sent.id, isouter=filters.product is None)
        .where(sent.created_at < end, or_(sent.closed_at.is_(None), sent.closed_at >= start))
        .order_by(sent.id)
    )
    if filters.warehouse:
        stmt = stmt.where(sent.warehouse_id == filters.warehouse.id)
    if filters.supplier:
        stmt = stmt.where(sent.supplier_id == filters.supplier.id)
    return session.execute(stmt).all()


# --- the pages' choices (filters, label forms) -----------------------------------------


def filter_choices(session: Session) -> dict:
    """What the report filters offer: warehouses and suppliers by code, the conditions and ownerships."""
    return {
        "warehouses": warehouse_choices(session),
        "suppliers": session.execute(select(Supplier.code, Supplier.name).order_by(Supplier.code)).all(),
        "conditions": [c.value for c in Condition],
        "ownerships": [o.value for o in Ownership],
    }


def warehouse_choices(session: Session) -> list:
    return session.execute(select(Warehouse.code, Warehouse.name).order_by(Warehouse.code)).all()


def active_bins(session: Session, warehouse_code: str) -> list:
    """(code, kind) of a warehouse's active bins, for the bin-label form."""
    return session.execute(
        select(Bin.code, Bin.kind).join(Warehouse, Warehouse.id == Bin.warehouse_id)
        .where(Warehouse.code == warehouse_code.strip().upper(), Bin.active.is_(True))
        .order_by(Bin.code)
    ).all()


def receipts_to_label(session: Session, limit: int = 100) -> list:
    """The newest receipts that have items: (id, reference, created_at, supplier code, item count)."""
    counts = (
        select(SerialItem.receipt_id, func.count().label("item_count")).group_by(SerialItem.receipt_id).subquery()
    )
    return session.execute(
        select(Receipt.id, Receipt.reference, Receipt.created_at, Supplier.code, counts.c.item_count)
        .join(Supplier, Supplier.id == Receipt.supplier_id)
        .join(counts, counts.c.receipt_id == Receipt.id)
        .order_by(Receipt.id.desc())
        .limit(limit)
    ).all()
