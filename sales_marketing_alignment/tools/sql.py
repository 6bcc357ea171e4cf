# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""SQL the engines share: matching many domains over a batch in one scan,
bulk inserts for their logs, and statements run without PostgreSQL's JIT."""
import json
from contextlib import contextmanager

from odoo.models import LOG_ACCESS_COLUMNS
from odoo.tools import SQL, clean_context


def insert_rows(model, vals_list):
    """Insert ``vals_list`` (values of stored fields of ``model``, in the
    format ``create`` takes) in one INSERT and return the new records, in
    the order of ``vals_list``.

    What it keeps of ``create``: the values are converted to columns by the
    fields themselves (HTML sanitized, False as NULL), each distinct value
    once; missing fields take their defaults (``default_get``, once for
    all rows); stored computed fields are computed at the next flush; the
    log-access columns are set; the one2many fields that list the rows
    are read again. What it skips: ``create`` overrides and
    constraints, so it is only for rows the engines build themselves. It
    exists because ``create`` spends about a millisecond per row in Python
    (defaults, sanitizing and inverses row by row), which was the largest
    part of scoring and routing a batch of leads."""
    if not vals_list:
        return model.browse()
    env = model.env
    names = set().union(*vals_list)
    everywhere = set.intersection(*(set(vals) for vals in vals_list))
    stored = [name for name, field in model._fields.items()
              if field.store and field.column_type and name != "id" and name not in LOG_ACCESS_COLUMNS]
    missing = [name for name in stored if name not in everywhere]
    defaults = model.with_context(clean_context(env.context)).default_get(missing) if missing else {}
    names = sorted(names | set(defaults))
    columns, converted = {}, {}
    for name in names:
        field = model._fields[name]
        if not (field.store and field.column_type) or field.translate or field.company_dependent:
            raise ValueError("insert_rows() cannot write %s.%s." % (model._name, name))
        columns[name] = field
    rows = []
    for vals in vals_list:
        row = {}
        for name, field in columns.items():
            value = vals[name] if name in vals else defaults.get(name)
            try:
                key = (name, value)
                if key not in converted:
                    converted[key] = field.convert_to_column(value, model, vals)
                row[name] = converted[key]
            except TypeError:  # unhashable value: converted for this row alone
                row[name] = field.convert_to_column(value, model, vals)
        rows.append(row)
    now, uid = env.cr.now(), env.uid
    if model._log_access:
        for row in rows:
            row.update(create_uid=uid, create_date=now, write_uid=uid, write_date=now)
        names += sorted(LOG_ACCESS_COLUMNS)
    identifiers = SQL(", ").join(SQL.identifier(name) for name in names)
    env.cr.execute(SQL(
        """
        INSERT INTO %(table)s (%(columns)s)
        SELECT %(columns)s
          FROM jsonb_populate_recordset(NULL::%(table)s, %(rows)s::jsonb) WITH ORDINALITY AS row
         ORDER BY row.ordinality
        RETURNING id
        """, table=SQL.identifier(model._table), columns=identifiers, rows=json.dumps(rows, default=str)))
    records = model.browse([row[0] for row in env.cr.fetchall()])
    # As create does: the one2many fields listing the new rows are read again.
    for field in columns.values():
        for inverse in model.pool.field_inverses[field]:
            env[inverse.model_name].invalidate_model([inverse.name])
    # As create does: stored computed fields not given are computed at the next flush.
    for name, field in model._fields.items():
        if field.store and field.compute and name not in columns:
            env.add_to_compute(field, records)
    return records


def match_select(queries, ids):
    """SQL selecting ``(key, id)`` for each record of ``ids`` matching each
    query of ``queries`` (``[(integer key, Query)]``: ``_search`` on one
    model, without the condition on ``ids``, record rules left out); None
    when no query can match. ``ids``: a list of ids, or an SQL subselect of
    them (a back-test's closed leads).

    The queries whose FROM is the model's table alone (most domains: Odoo
    18 compiles field paths to sub-queries, not joins) are evaluated side by
    side in one scan of the batch, each WHERE clause a column. The others
    (joins) keep a select of their own, on ``ids``, in a UNION ALL. One scan
    instead of one per domain: scoring 10,000 leads read crm_lead once per
    rule, about a tenth of its statement."""
    if not isinstance(ids, SQL):
        ids = list(ids)
    columns, selects, table = [], [], None

    def among(id_column):
        return SQL("%s IN %s", id_column, ids) if isinstance(ids, SQL) else SQL("%s = ANY(%s)", id_column, ids)

    for key, query in queries:
        if query.is_empty():
            continue
        table, id_column = query.table, SQL.identifier(query.table, "id")
        where = query.where_clause or SQL("TRUE")
        if query.from_clause == SQL.identifier(table):
            columns.append(SQL("CASE WHEN %s THEN %s::int END", where, key))
        else:
            selects.append(SQL("SELECT %s::int, %s FROM %s WHERE %s AND %s",
                               key, id_column, query.from_clause, where, among(id_column)))
    if columns:
        selects.insert(0, SQL(
            """SELECT hit.key, batch.id
                 FROM (SELECT %(id)s AS id, ARRAY[%(columns)s] AS hits
                         FROM %(table)s WHERE %(among)s) batch
                CROSS JOIN LATERAL unnest(batch.hits) AS hit(key)
                WHERE hit.key IS NOT NULL""",
            id=SQL.identifier(table, "id"), columns=SQL(", ").join(columns), table=SQL.identifier(table),
            among=among(SQL.identifier(table, "id"))))
    return SQL(" UNION ALL ").join(selects) if selects else None


@contextmanager
def jit_off(cr):
    """Run the block's statements with PostgreSQL's JIT off, then give the
    transaction its own setting back (two queries). JIT compiles a
    statement whose estimated cost is high, which a batch over a big or
    freshly updated table easily reaches, and for the engines' one-off
    statements the compilation costs more than it saves (bench/README.md:
    0.8 to 1.2 s of a 2 to 2.6 s scoring batch). If the block fails,
    rolling back to the enclosing savepoint undoes the setting too."""
    # The target list is evaluated in order: the setting is read, then set.
    cr.execute(SQL("SELECT current_setting('jit'), set_config('jit', 'off', true)"))
    previous = cr.fetchone()[0]
    yield
    cr.execute(SQL("SELECT set_config('jit', %s, true)", previous))
