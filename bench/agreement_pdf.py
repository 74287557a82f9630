"""How long a five-page agreement PDF takes, and what the portal's path costs over WeasyPrint's.

    .venv/bin/python bench/agreement_pdf.py

The portal's path is `render_pdf`: the template, the static-only fetcher and WeasyPrint. The
direct path is WeasyPrint alone on the same HTML with its default fetcher. Targets: the portal
within 10% of direct, and under 0.5 s (median) for the five pages. No database is needed.
"""

import gc
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

# Run as a script from the project root: the project's modules live one folder up.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import weasyprint  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from portal import create_app  # noqa: E402
from portal.agreements.document import Acceptance, AgreementDocument, PartyLine, TermLine  # noqa: E402
from portal.agreements.pdf import agreement_html, render_pdf, static_base_url  # noqa: E402
from portal.config import TestConfig  # noqa: E402

RUNS = 20
EXPECTED_PAGES = 5
TERMS = 28  # found by trying: 24 to 31 terms make five pages; the middle leaves room either way


def long_agreement(terms=TERMS):
    london = ZoneInfo("Europe/London")
    parties = ("Alex Morgan", "Sam Okafor", "Priya Shah")
    return AgreementDocument(
        service_name="Accord Community Mediation",
        case_reference="ACC-2026-0042",
        title="Shared garden, parking and noise at 14 and 16 Elm Road",
        version=3,
        state="proposed",
        parties=(PartyLine(parties[0], Acceptance(parties[0], datetime(2026, 12, 3, 14, 5, tzinfo=london))),
                 PartyLine(parties[1], Acceptance(parties[1], datetime(2026, 12, 4, 9, 30, tzinfo=london),
                                                  in_person=True)),
                 PartyLine(parties[2], None)),
        issues=("Noise from music late in the evening", "Parking across the shared drive",
                "The state of the fence between the gardens", "Bins left on the path"),
        terms=tuple(
            TermLine(f"Term {n}: keep music and voices in the garden low after 10 pm on weekdays, "
                     f"and let the others know a day ahead of any gathering that may run late.",
                     parties[n % 3] if n % 4 else "All parties",
                     date(2027, 1, 1) + timedelta(days=7 * n) if n % 5 else None)
            for n in range(1, terms + 1)),
        review_on=date(2027, 6, 1),
        other_terms="If something goes wrong, talk first.\n\nIf that does not help, call the "
                    "service and ask for another meeting.",
    )


def seconds(work):
    """Wall-clock and CPU seconds. CPU time is the steadier of the two on a shared machine: what
    other processes do lands in wall-clock time only."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def render_seconds(render):
    # A full collection of the last render's garbage takes tens of milliseconds (WeasyPrint's
    # cffi objects) and otherwise lands inside whichever render comes next: collect it first.
    gc.collect()
    return seconds(render)


def medians(samples):
    return tuple(statistics.median(sample[clock] for sample in samples) for clock in (0, 1))


def median_seconds(portal, direct):
    """(wall, CPU) medians of RUNS renders each, taken in turns so that drift in the machine's
    speed falls on both alike rather than on whichever ran second."""
    portal(), direct()  # warm-up: fonts, the compiled template and WeasyPrint's caches
    times = [(render_seconds(portal), render_seconds(direct)) for _ in range(RUNS)]
    return medians([p for p, _ in times]), medians([d for _, d in times])


def collection_seconds(render):
    """What collecting one render's garbage costs: paid by some later request in the portal."""
    def one():
        gc.collect()
        render()
        return seconds(gc.collect)[0]
    return statistics.median(one() for _ in range(5))


def main():
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder)
        config = type("BenchConfig", (TestConfig,), {
            "INSTANCE_DIR": instance,
            "DATABASE_URL": f"sqlite:///{instance / 'bench.sqlite3'}",  # set, never opened
            "MAIL_OUTBOX_DIR": instance / "outbox",
            "MAIL_SERVER": None,
        })
        app = create_app(config)
        document = long_agreement()
        with app.app_context():
            html, base_url = agreement_html(document), static_base_url()
            pages = len(PdfReader(BytesIO(render_pdf(document))).pages)
            if pages != EXPECTED_PAGES:
                sys.exit(f"the agreement is {pages} pages, not {EXPECTED_PAGES}: adjust TERMS")
            portal, direct = median_seconds(
                lambda: render_pdf(document),
                lambda: weasyprint.HTML(string=html, base_url=base_url).write_pdf(
                    pdf_variant="pdf/ua-1"))
            collection = collection_seconds(lambda: render_pdf(document))

    (portal_wall, portal_cpu), (direct_wall, direct_cpu) = portal, direct
    print(f"pages:    {pages}")
    print(f"portal:   {portal_wall:.3f} s wall, {portal_cpu:.3f} s CPU (median of {RUNS})"
          "   render_pdf: template + static-only fetcher + WeasyPrint")
    print(f"direct:   {direct_wall:.3f} s wall, {direct_cpu:.3f} s CPU (median of {RUNS})"
          "   WeasyPrint alone, default fetcher, same HTML")
    print(f"overhead: {(portal_wall - direct_wall) / direct_wall:+.1%} wall, "
          f"{(portal_cpu - direct_cpu) / direct_cpu:+.1%} CPU")
    print(f"garbage collection after one render: {collection:.3f} s (median), either path")

if __name__ == "__main__":
    main()
