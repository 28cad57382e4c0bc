"""`suixing worker`: run an arq worker for a queue, or check that one is alive."""

from __future__ import annotations

import argparse
import logging.config
import sys

from workers.queues import DEFAULT, QUEUES


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("worker", help="run a background worker (arq on SUIXING_REDIS_URL)")
    parser.add_argument("--queue", choices=QUEUES, default=DEFAULT,
                        help="default: every job and the schedule; learning: the credit model's updates")
    parser.add_argument("--check", action="store_true",
                        help="arq's health check: exit 0 when a worker of the queue reported in recently")
    parser.add_argument("--burst", action="store_true", help="stop once the queue is empty")
    parser.set_defaults(func=run)
    return parser


def _configure_logging(verbose: bool = False) -> None:
    from arq.logs import default_log_config

    config = default_log_config(verbose)
    config["loggers"]["suixing"] = {"level": "DEBUG" if verbose else "INFO", "handlers": ["arq.standard"]}
    logging.config.dictConfig(config)


def run(args: argparse.Namespace) -> int:
    from domain.settings import get_settings

    settings = get_settings()
    if not settings.redis_url:
        print("suixing worker needs SUIXING_REDIS_URL; without it `suixing serve` runs the jobs in-process",
              file=sys.stderr)
        return 2
    from arq.worker import check_health, run_worker

    from workers.settings import worker_settings

    _configure_logging()
    options = worker_settings(args.queue, settings)
    if args.check:
        return check_health(options)
    run_worker(options, burst=args.burst)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="suixing")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["worker", *(argv or sys.argv[1:])])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
