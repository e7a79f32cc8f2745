"""Pages of a records list, sorted in the query: what the records screens read a page at a time
(``ui.common.paged_model``) and the command line's ``--offset``."""

from __future__ import annotations

from sqlalchemy import Select

from compounder.records.policy import RecordError

_MAY_BE_MISSING = frozenset({"date_of_birth", "grams_used", "potency_percent"})


def ordered(query: Select, orders: dict, order_by: str, descending: bool, *ties) -> Select:
    """``query`` sorted by ``orders[order_by]``, then by ``ties`` (a unique key last, so that
    pages follow one another without a row on two pages), every column the same way; a missing
    value (a date of birth not known) last either way. The other columns are never missing, and
    are sorted plainly so that an index answers (``NULLS LAST`` on a descending sort would not
    use PostgreSQL's)."""
    if order_by not in orders:
        raise RecordError(f"a list cannot be sorted by {order_by!r}; it can by {', '.join(orders)}")
    first = orders[order_by].desc() if descending else orders[order_by].asc()
    first = first.nulls_last() if order_by in _MAY_BE_MISSING else first
    return query.order_by(first, *(tie.desc() if descending else tie.asc() for tie in ties if tie is not orders[order_by]))


def page_of(query: Select, limit: int | None, offset: int) -> Select:
    """``query``'s rows from the ``offset``-th on, at most ``limit`` (``None``: every one)."""
    if offset < 0 or (limit is not None and limit < 1):
        raise RecordError(f"a page starts at 0 or later and holds at least one row (offset {offset}, limit {limit})")
    query = query.offset(offset)
    return query if limit is None else query.limit(limit)
