"""Reciprocity off the request path: the monthly finance file of payments made."""

from __future__ import annotations

import logging

from celery import shared_task
from sqlalchemy.exc import IntegrityError

from recruit.core.time import local_today
from recruit.extensions import db
from recruit.involvement.operations import make_finance_export, parse_month, previous_month

log = logging.getLogger(__name__)

FINANCE_TASK = "involvement.monthly_finance_csv"


@shared_task(name=FINANCE_TASK, ignore_result=True)
def monthly_finance_csv(month: str | None = None) -> int:
    """Make the finance CSV for `month` ("2026-05"), by default the month before this one.

    Run by beat on the 1st of each month; running it again makes the same month's file again.
    """
    target = parse_month(month) if month else previous_month(local_today())
    try:
        export = make_finance_export(None, target)
        db.session.commit()
    except IntegrityError:  # another run made this month's file at the same moment: remake it
        db.session.rollback()
        export = make_finance_export(None, target)
        db.session.commit()
    log.info(
        "involvement: finance file for %s made with %d payment(s)",
        target.strftime("%Y-%m"),
        export.rows,
    )
    return export.id
