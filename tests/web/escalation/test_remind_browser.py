"""In Chromium: the office reminds a task after seeing which letter goes to whom, on a desktop and
on a phone (no sideways scrolling; screenshots in var/screenshots/escalation/)."""

from __future__ import annotations

from email.utils import parseaddr

import pytest

from tests.web.conftest import DESKTOP, PHONE, SHOTS, World, needs_chromium, sign_in

pytestmark = needs_chromium


@pytest.mark.parametrize("screen", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_office_sees_who_gets_which_letter_then_confirms_and_the_mail_goes_out(
        live: str, chromium, world: World, smtp_sink, screen: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    kind = "phone" if screen is PHONE else "desktop"
    folder = SHOTS / "escalation"
    folder.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(locale="vi-VN", viewport=screen)
    page = context.new_page()
    try:
        sign_in(page, live)
        page.goto(f"{live}/tasks/{world.task_id('I.1')}")
        page.click("a:has-text('Gửi nhắc việc')")
        page.wait_for_selector("h1:has-text('Gửi nhắc việc: nhiệm vụ I.1')")
        wide = page.evaluate("() => document.documentElement.scrollWidth")
        assert wide <= screen["width"], f"the confirmation page is {wide} px wide"
        assert "snnptnt@bacgiang.example" in page.content() and smtp_sink.messages() == []
        page.screenshot(path=str(folder / f"remind-confirm-{kind}.png"), full_page=True)
        page.click("button:has-text('Xác nhận gửi 4 thư')")
        page.wait_for_selector("text=Đã gửi nhắc việc.")
        got = {parseaddr(str(m["To"]))[1] for m in smtp_sink.messages()}
        assert {"snnptnt@bacgiang.example", "vpdp@bacgiang.example", "skhdt@bacgiang.example",
                "stc@bacgiang.example"} == got
        page.goto(f"{live}/agencies/{world.agency_id('snnptnt')}/remind")
        wide = page.evaluate("() => document.documentElement.scrollWidth")
        assert wide <= screen["width"], f"the agency's confirmation page is {wide} px wide"
        page.screenshot(path=str(folder / f"remind-agency-confirm-{kind}.png"), full_page=True)
    finally:
        context.close()
