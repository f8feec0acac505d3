"""`leverage-bot audit [--json] [--verify]`: the hash-chained audit trail of the gates.

`--verify` walks the chain and exits 1 when an entry was edited or deleted, so a cron job or
an auditor's script can alarm on it; `--json` is the export (it carries the head hash: keep a
copy elsewhere and a wholesale rewrite is detectable too).
"""

from __future__ import annotations

import argparse
import json
import sys

from bot.cli.common import run_with_services
from bot.core import audit


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("audit", help="the gates' audit trail (export, --verify)")
    parser.add_argument("--json", action="store_true", help="the export: entries and head hash")
    parser.add_argument(
        "--verify", action="store_true", help="check the hash chain; exit 1 if it is broken"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.verify:
        verdict = run_with_services(audit.verify)
        if args.json:
            print(
                json.dumps(
                    {
                        "ok": verdict.ok,
                        "entries": verdict.entries,
                        "head_hash": verdict.head_hash,
                        "problems": verdict.problems,
                    }
                )
            )
        elif verdict.ok:
            print(f"audit trail intact: {verdict.entries} entries, head {verdict.head_hash}")
        else:
            print("audit trail BROKEN:", file=sys.stderr)
            for problem in verdict.problems:
                print(f"  {problem}", file=sys.stderr)
        return 0 if verdict.ok else 1
    data = run_with_services(audit.export)
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    for entry in data["entries"]:
        subject = f" #{entry['use_case_id']}" if entry["use_case_id"] else ""
        gate = f" [{entry['gate']}]" if entry["gate"] else ""
        detail = json.dumps(entry["detail"], ensure_ascii=False)
        print(
            f"{entry['seq']:>5} {entry['at'][:19]} {entry['actor']}: {entry['action']}"
            f"{subject}{gate} {detail}"
        )
    print(f"head: {data['head']['seq']} {data['head']['hash']}")
    return 0
