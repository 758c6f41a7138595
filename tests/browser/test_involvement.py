"""Reciprocity in a real browser: "What I have done" on the tablet (big text, big targets, read
aloud, the benefits reminder), and HR's payments, participation and rates pages, each checked
with axe."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from recruit.extensions import db
from recruit.involvement import operations
from recruit.people.models import User
from tests.browser.conftest import (
    LANDSCAPE,
    PORTRAIT,
    assert_read_aloud_works,
    check_tablet_page,
    signs_in_with_password,
)

pytestmark = pytest.mark.browser


def some_involvement(live, hr, person) -> tuple[int, int]:
    """A panel with a fee owed and a co-design session with a voucher paid."""
    with live.app.app_context():
        actor = db.session.get(User, hr.id)
        panel = operations.record_participation(
            actor,
            user_id=person.id,
            activity="panel",
            took_part_on=date.today() - timedelta(days=2),
            minutes=180,
        )
        operations.record_payment(
            actor, panel, kind="fee", amount_pence=3600, benefits_reminder_given=True
        )
        co_design = operations.record_participation(
            actor,
            user_id=person.id,
            activity="co_design",
            took_part_on=date.today() - timedelta(days=20),
            minutes=60,
        )
        voucher = operations.record_payment(
            actor, co_design, kind="voucher", amount_pence=2000, benefits_reminder_given=True
        )
        operations.approve_payment(actor, voucher)
        operations.mark_paid(actor, voucher)
        db.session.commit()
        ids = panel.id, voucher.id
        db.session.remove()
    return ids


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_a_person_supported_reads_what_they_have_done(live, open_tab, make_person, viewport):
    hr = make_person("hr", "Hana Reid", password="a-good-password")
    sam = make_person("person_supported", "Sam Taylor", password="a-good-password")
    some_involvement(live, hr, sam)

    tab = open_tab(viewport, touch=True)
    page = tab.page
    signs_in_with_password(tab, sam)
    page.get_by_role("link", name="What I have done").tap()
    expect(page.get_by_role("heading", name="What I have done", level=1)).to_be_visible()
    check_tablet_page(tab, "What I have done")
    expect(page.get_by_text("We will pay you £36.00.")).to_be_visible()
    expect(page.get_by_text("If you get benefits, you may need to tell them")).to_be_visible()
    spoken = page.get_by_role("button", name="Read it to me").get_attribute("data-read-aloud")
    assert "We owe you £36.00." in spoken
    assert_read_aloud_works(tab, spoken)
    if viewport is PORTRAIT:
        tab.screenshot("involvement-what-i-have-done")


def test_hr_and_the_admin_pages_pass_axe(live, open_tab, make_person):
    hr = make_person("hr", "Hana Reid", password="a-good-password")
    admin = make_person("admin", "Ade Min", password="a-good-password")
    sam = make_person("person_supported", "Sam Taylor", password="a-good-password")
    participation_id, _ = some_involvement(live, hr, sam)

    tab = open_tab({"width": 1280, "height": 900})
    page = tab.page
    signs_in_with_password(tab, hr)
    page.get_by_role("link", name="Payments to people supported").click()
    expect(page.get_by_role("heading", name="Payments to people supported")).to_be_visible()
    tab.check("the payments page")
    page.get_by_role("button", name="Approve", exact=False).first.click()
    expect(page.get_by_text("The payment has been approved.")).to_be_visible()
    tab.check("the payments page after approving")
    page.get_by_role("link", name="Approved", exact=True).click()
    expect(page.get_by_role("button", name="Mark paid", exact=False)).to_be_visible()
    tab.check("the approved payments")
    page.get_by_role("link", name="Paid", exact=True).click()
    tab.check("the paid payments")
    page.get_by_role("button", name="Make the finance file now").click()
    expect(page.get_by_text("is ready (")).to_be_visible()
    tab.check("the payments page with a finance file")
    tab.screenshot("involvement-payments")
    page.goto(f"/involvement/participation/{participation_id}")
    tab.check("a participation with its payments")
    page.get_by_role("button", name="Record the payment").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    tab.check("the payment form with an error")
    page.goto(f"/involvement/people/{sam.id}")
    tab.check("a person's participation, for HR")
    page.goto("/involvement/participation/new")
    tab.check("the record participation form")

    admin_tab = open_tab({"width": 1280, "height": 900})
    signs_in_with_password(admin_tab, admin)
    admin_tab.page.goto("/admin/rates")
    admin_tab.check("the rates page")
