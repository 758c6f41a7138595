"""The WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

import gc

from recruit import create_app

app = create_app()

# What the app is made of (modules, models, mappers: some 200,000 objects) lives as long as
# the process. Frozen, the garbage collector no longer walks all of them in each full
# collection, which took about 100 ms on a 2-core machine and which a large page such as
# /insights set off about once a request (bench/org_bench.py).
gc.freeze()
