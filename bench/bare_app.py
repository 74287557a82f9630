"""The physical limit of this stack: Flask and Jinja under gunicorn, rendering from constants.

`bench/pages.py` serves this app with the same gunicorn settings as the portal and asks it for a
page of the same size as each portal page (`/bytes/<n>`): what is left between the two figures
is the portal's own work (queries, policy, its templates).
"""

from flask import Flask, render_template
from jinja2 import DictLoader

PAGE = """<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>A page of {{ size }} bytes</title>
<link rel="stylesheet" href="/static/css/accord.css"></head>
<body><header><nav><ul>
{% for item in nav %}<li><a href="/{{ item }}">{{ item }}</a></li>{% endfor %}</ul></nav></header>
<main><h1>A page of constants</h1><table><tbody>
{% for row in rows %}<tr><th scope="row"><a href="/cases/{{ row.reference }}">{{ row.reference }}</a></th>
<td>{{ row.kind }}</td><td>{{ row.dispute }}</td><td>{{ row.status }}</td></tr>
{% endfor %}</tbody></table></main></body></html>"""
ROW = {"reference": "AC-2026-0042", "kind": "Mediation", "dispute": "Neighbour", "status": "Open"}
# One rendered row is about this many bytes: rows are added until the page reaches the size asked.
ROW_BYTES = 150

app = Flask(__name__)
# A template found by name, compiled once and kept, as Flask keeps the portal's: the first
# version rendered the string with render_template_string, which compiles it again at every
# request (about 1.5 ms of CPU), so the limit it measured was about half the real one.
app.jinja_loader = DictLoader({"page.html": PAGE})


@app.get("/bytes/<int:size>")
def page_of(size):
    rows = [ROW] * max(1, size // ROW_BYTES)
    return render_template("page.html", size=size, rows=rows, nav=("home", "cases", "safeguarding"))
