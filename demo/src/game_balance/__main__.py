"""``python -m game_balance``: serve the three agents over HTTP until interrupted.

Prints each agent's base URL (its card is at ``<url>/.well-known/agent-card.json``). The data
set is built on first use (see `game_balance.data.build` for where it lives).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from pathlib import Path

from game_balance.agents import OpenAIPhraser, Phraser
from game_balance.data import GameData
from game_balance.serve_http import run_http_agents


async def serve(host: str, data_dir: Path | None, phraser: Phraser | None) -> None:
    """Serve all three agents over HTTP, print their URLs, and wait until cancelled."""
    data = await asyncio.to_thread(GameData.open, data_dir)
    async with run_http_agents(data, host, phraser) as urls:
        for name, url in urls.items():
            print(f"{name:8} {url}", flush=True)
        await asyncio.Event().wait()


def main() -> None:
    """Parse the command line and serve until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m game_balance", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind")
    parser.add_argument("--data-dir", type=Path, help="folder of the data set")
    parser.add_argument(
        "--llm",
        action="store_true",
        help="reword answers with the model at $GAME_BALANCE_LLM_BASE_URL / _MODEL",
    )
    arguments = parser.parse_args()
    phraser = OpenAIPhraser.from_env() if arguments.llm else None
    if arguments.llm and phraser is None:
        parser.error("--llm needs GAME_BALANCE_LLM_BASE_URL and GAME_BALANCE_LLM_MODEL")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(arguments.host, arguments.data_dir, phraser))


if __name__ == "__main__":
    main()
