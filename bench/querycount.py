"""Print, as JSON, the SQL queries and response size of each URL given (run by bench/run.py in the
benchmark's environment)."""

import json
import os
import sys

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

client = Client(HTTP_HOST="127.0.0.1")
client.get("/")  # warm the per-process caches, as a running server has them
figures = {}
for url in sys.argv[1:]:
    client.get(url)  # the role cards in the fragment cache, as after any first visitor
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    count = len(queries)  # before the next request: each one resets the query log
    compressed = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    figures[url] = {
        "status": response.status_code,
        "queries": count,
        "bytes": len(response.content),
        "wire": len(compressed.content),  # what a browser receives (gzip where it is safe)
    }
print(json.dumps(figures))
