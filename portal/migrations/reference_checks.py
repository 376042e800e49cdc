"""PostgreSQL's per-statement reference checks (migrations 0005 and 0006), written once.

Revisions that production databases have already run import this module: what each function returns
must never change, or a fresh database would differ from an upgraded one. PostgreSQL keeps a
function's source as written (comments included) and ``pg_dump -s`` shows it, so each revision passes
the exact words it wrote. A new revision that needs other SQL writes it itself.
"""

from __future__ import annotations

#: the keys of movements that migration 0005 checks in one pass: (column, referenced table, array name)
MOVEMENT_KEYS = [("actor_id", "users", "actors"), ("from_bin_id", "bins", "from_bins"),
                 ("to_bin_id", "bins", "to_bins")]
#: migration 0006's two more
WAREHOUSE_KEYS = [("from_warehouse_id", "warehouses", "from_warehouses"),
                  ("to_warehouse_id", "warehouses", "to_warehouses")]


def movements_references_inserted(*, create: str, who: str, warehouses: bool, grouped: str) -> str:
    """The statement trigger function that checks the keys of new movements.

    ``create``: ``CREATE FUNCTION`` or ``CREATE OR REPLACE FUNCTION``; ``who``: the comment above the
    one pass; ``warehouses``: also check the two warehouse keys; ``grouped``: the text between
    ``to_bin_id`` and the end of the GROUP BY, as the revision laid it out."""
    keys = MOVEMENT_KEYS + (WAREHOUSE_KEYS if warehouses else [])
    aggregates = ",\n           ".join(
        f"array_agg(DISTINCT {column}) FILTER (WHERE {column} IS NOT NULL) AS {name}" for column, _t, name in keys)
    checks = "".join(
        f"    PERFORM portal_require_references('movements', '{column}', '{table}', refs.{name}, true);\n"
        for column, table, name in keys)
    return f"""{create} movements_references_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    lo integer;
    hi integer;
    n bigint;
    present bigint;
    refs record;
BEGIN
    SELECT min(item_id), max(item_id), count(*) INTO lo, hi, n FROM new_movements;
    IF n = 0 THEN
        RETURN NULL;
    END IF;
    -- {who}: one hashed pass (a list's movements share one actor and no bin)
    WITH combinations AS (
        SELECT actor_id, from_bin_id, to_bin_id{grouped}
    )
    SELECT {aggregates}
      INTO refs FROM combinations;
{checks}    -- The usual bulk case, a list's items: their ids are one dense run. If every
    -- id of the run is an item, so is every id the movements name.
    IF hi - lo < 2 * n THEN
        SELECT count(*) INTO present FROM serial_items WHERE id BETWEEN lo AND hi;
        IF present = hi - lo + 1 THEN
            RETURN NULL;
        END IF;
    END IF;
    PERFORM portal_require_references('movements', 'item_id', 'serial_items',
                                      (SELECT array_agg(DISTINCT item_id) FROM new_movements), false);
    RETURN NULL;
END $$;
"""  # noqa: S608 - built from this module's constants and the revisions' literal words, no input


def refuse_orphans_trigger(parent: str, child: str, column: str) -> str:
    """A row of ``parent`` may not go (or change its id) while ``child.column`` still names it."""
    return (f"CREATE TRIGGER {parent}_not_orphaning_{child}_{column} AFTER DELETE OR UPDATE OF id ON {parent} "
            f"FOR EACH ROW EXECUTE FUNCTION portal_refuse_orphans('{child}', '{column}')")


def drop_refuse_orphans_trigger(parent: str, child: str, column: str) -> str:
    return f"DROP TRIGGER {parent}_not_orphaning_{child}_{column} ON {parent}"
