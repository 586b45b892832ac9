"""`todo-api copy-legacy-table`: every item of the legacy API's table into ours (see
`todo_tools.legacy_copy`)."""

from __future__ import annotations

import argparse

from botocore.exceptions import BotoCoreError, ClientError

from todo_tools import settings
from todo_tools.console import CommandError, logger
from todo_tools.dynamodb import connect, require_table
from todo_tools.legacy_copy import CopyReport, Problem, copy_legacy_table

HELP = "copy every item of a legacy table (userId/dateCreated keys) into ours"


def add_arguments(copy: argparse.ArgumentParser) -> None:
    copy.add_argument("source", help="the legacy table's name")
    copy.add_argument("--resume", metavar="TOKEN", help="carry on where a run stopped")
    copy.add_argument(
        "--dry-run", action="store_true", help="report what a copy would do; write nothing"
    )
    settings.add_endpoint_option(copy)


def run(args: argparse.Namespace) -> int:
    """Exit status 0 when every row is in our table, 1 when some could not be copied, 2 for a
    set-up mistake (a table that is not there, a resume token it did not print), 3 when
    DynamoDB failed (the line says how to carry on)."""
    configured = settings.load(args)
    client = connect(configured)
    require_table(
        client,
        configured,
        args.source,
        "name the legacy table as DynamoDB lists it, and check --dynamodb-endpoint and AWS_REGION",
    )
    require_table(
        client,
        configured,
        configured.table_name,
        "create it first (todo-api create-table), or name ours with TODO_TABLE_NAME",
    )
    report = CopyReport()
    pages = copy_legacy_table(
        client, args.source, configured.table_name, resume=args.resume, dry_run=args.dry_run
    )
    try:
        for report in pages:
            for problem in report.problems:
                logger.warning("%s", _problem_line(problem))
            if report.resume:
                logger.info("%s so far; to resume: --resume %s", _counts(report), report.resume)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    except (BotoCoreError, ClientError) as exc:
        logger.error(
            "todo-api: the copy stopped: %s. To carry on: %s", exc, _carry_on(report, args)
        )
        return 3
    done = "Dry run, nothing written" if args.dry_run else "Done"
    logger.info("%s: %s", done, _counts(report))
    return 1 if report.collisions or report.not_copyable else 0


def _carry_on(report: CopyReport, args: argparse.Namespace) -> str:
    token = report.resume or args.resume
    if token:
        return f"--resume {token}"
    # Before the first page's end there is no token; a copy never writes a row twice.
    return "run it again from the start; what it copied stays, and is not copied twice"


def _counts(report: CopyReport) -> str:
    return (
        f"{report.copied} copied, {report.already_there} already there, "
        f"{report.collisions} collisions, {report.not_copyable} not copyable"
    )


def _problem_line(problem: Problem) -> str:
    """One row not copied: its legacy key, its id (shortened) and why."""
    shown = problem.todo_id
    if shown is not None and len(shown) > 80:
        shown = f"{shown[:80]}… ({len(shown.encode()):,} bytes)"
    named = f" id {shown!r}" if shown is not None else ""
    return f"Not copied: row {problem.row}{named}: {problem.reason}"
