"""Rendering and sending digests: 2,000 messages over a reused SMTP connection.

    .venv/bin/python -m benchmarks.bench_smtp [--runs 3] [--messages 2000]

2,000 digests (three reminder digests to one escalation digest, 13 tasks each, the size of an
agency's digest in the sweep benchmark) are rendered with
notifications.messages.render.make_message and sent with notifications.smtp.transport.SmtpTransport, one
transport whose connection is reused for the whole batch, to aiosmtpd running in its own
process (the Sink handler: it accepts and discards). The figure is messages per second for
rendering plus sending, measured in-process; rendering and sending alone are printed too.
Target: at least 200 messages/s.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from benchmarks.common import Result, aiosmtpd_process, arg_parser, load, print_summary

TARGET_RATE = 200.0
MESSAGES = 2_000
ITEMS = 13
AS_OF = date(2025, 3, 10)
BASE_URL = "http://127.0.0.1:8000"
OFFICE = "Văn phòng Điều phối nông thôn mới tỉnh"


def contexts(count: int) -> list[tuple[str, str, dict[str, Any], str]]:
    """(kind, recipient, context, message id) of each digest, built before the clock starts."""
    from notifications.messages.render import stable_message_id

    out = []
    for n in range(count):
        escalation = n % 4 == 3
        agency = f"Sở thử nghiệm số {n % 100 + 1:03d}"
        items = []
        for k in range(ITEMS):
            due = AS_OF + timedelta(days=-(k % 20 + 1) if escalation else k % 8)
            items.append({
                "plan_code": f"{100 + k % 4}/KH-UBND", "ref": f"I.{n * ITEMS + k + 1}",
                "content": "Rà soát, hoàn thiện hồ sơ đề nghị xét công nhận xã đạt chuẩn nông thôn mới "
                           f"năm 2025 (nhiệm vụ {n * ITEMS + k + 1})",
                "due_date": due, "role": "lead" if k % 5 else "coordinating",
                "lead_names": [] if k % 5 else ["Sở Nông nghiệp và Phát triển nông thôn"],
                "agency_name": agency, "link": f"{BASE_URL}/a/token{n % 100}/tasks/{n * ITEMS + k + 1}",
                "days_left": (due - AS_OF).days, "days_overdue": (AS_OF - due).days,
                "level": (1 if (AS_OF - due).days < 7 else 2 if (AS_OF - due).days < 15 else 3),
                "leads": "" if k % 5 else "Sở Nông nghiệp và Phát triển nông thôn", "coordinating": "",
                "no_deadline": False, "report_duty": False, "report": "chưa báo cáo kết quả", "report_note": "",
                "reported": False,
            })
        late = [i for i in items if i["days_left"] < 0]
        soon = [i for i in items if i["days_left"] >= 0]
        ctx: dict[str, Any] = {"recipient_name": agency, "office_name": OFFICE, "as_of": AS_OF, "items": items,
                               "base_url": BASE_URL, "overdue": late, "due_soon": soon, "later": [],
                               "overdue_reports": 0,
                               "summary": f"{len(late)} nhiệm vụ quá hạn, {len(soon)} nhiệm vụ sắp đến hạn"}
        kind = "reminder_digest"
        if escalation:
            kind = "escalation_digest"
            ctx["level"] = max(i["level"] for i in items)
        keys = [str(n * ITEMS + k) for k in range(ITEMS)]
        out.append((kind, f"donvi{n % 100 + 1:03d}@bacgiang.example", ctx,
                    stable_message_id(keys, "dondoc.example")))
    return out


def _send(host: str, port: int, messages: list[Any]) -> None:
    from notifications.smtp.transport import SmtpTransport

    transport = SmtpTransport(host, port, mail_from="dondoc@dondoc.example")
    try:
        errors = [error for _, error in transport.send_many(messages) if error is not None]
    finally:
        transport.close()
    if errors:
        raise SystemExit(f"{len(errors)} messages failed, first: {errors[0]}")
    if transport.connections_opened != 1:
        raise SystemExit(f"expected one reused connection, opened {transport.connections_opened}")


def measure(host: str, port: int, count: int, connections: int = 1) -> tuple[float, float, float]:
    """(render+send, render alone, send alone) rates in messages per second.

    As the sweep does it: every digest rendered, then all sent over one connection that each
    message reuses. With ``connections`` > 1 the rendered messages are split between that many
    transports sending in parallel threads (each over its own reused connection)."""
    import threading

    from notifications.messages.render import make_message

    prepared = contexts(count)
    start = time.perf_counter()
    messages = [make_message(kind, [to], ctx, message_id=mid) for kind, to, ctx, mid in prepared]
    rendered = time.perf_counter()
    if connections == 1:
        _send(host, port, messages)
    else:
        threads = [threading.Thread(target=_send, args=(host, port, messages[i::connections]))
                   for i in range(connections)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    done = time.perf_counter()
    return count / (done - start), count / (rendered - start), count / (done - rendered)


def run(runs: int = 3, count: int = MESSAGES) -> list[Result]:
    from notifications.messages.render import make_message

    samples: list[float] = []
    with aiosmtpd_process() as (host, port):
        prepared = contexts(4)
        for kind, to, ctx, mid in prepared:  # compile the templates once, as a long sweep would
            make_message(kind, [to], ctx, message_id=mid)
        for i in range(runs):
            total, render, send = measure(host, port, count)
            print(f"smtp run {i + 1}: {count} messages, {total:.0f} msg/s rendered and sent "
                  f"(rendering alone {render:.0f} msg/s, sending alone {send:.0f} msg/s); {load()}", flush=True)
            samples.append(total)
        # for information (no target): the same with two connections sending in parallel
        parallel = [measure(host, port, count, connections=2)[0] for _ in range(runs)]
        print(f"smtp, two connections in parallel (information only): "
              f"{', '.join(f'{r:.0f}' for r in parallel)} msg/s", flush=True)
    note = f"2 parallel connections: median {statistics.median(parallel):.0f} msg/s (not a target)"
    return [Result(f"smtp render+send {count} digests", samples, TARGET_RATE, unit="msg/s", higher_is_better=True,
                   note=note)]


def main(argv: Sequence[str] | None = None) -> list[Result]:
    parser = arg_parser(__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=MESSAGES)
    args = parser.parse_args(argv)
    results = run(args.runs, args.messages)
    print_summary(results)
    return results


if __name__ == "__main__":
    main()
