"""One hub API process for the benchmark: the real app, with a chosen policy file.

    python -m benchmarks.serve --port 8123 [--policy some/policy.csv]

Configuration comes from HUB_* variables like `hub serve`; the benchmark sets them to point at
its own Neo4j. A policy file of its own lets the benchmark start a second process whose
policy allows every basis, to measure what the policy filter costs.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from api.app import create_app
from api.logs import configure_logging
from config.settings import Settings
from policies import MODEL_PATH, POLICY_PATH, Policy


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.serve")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--policy", type=Path, default=POLICY_PATH)
    arguments = parser.parse_args(argv)
    settings = Settings()
    configure_logging(settings.log_level)
    app = create_app(settings, policy=Policy(MODEL_PATH, arguments.policy))
    uvicorn.run(app, host="127.0.0.1", port=arguments.port, log_config=None, access_log=False)


if __name__ == "__main__":
    main()
