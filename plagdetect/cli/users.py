"""The user command: accounts of the web app; the command line acts as an admin (``OPERATOR``)."""

from __future__ import annotations

import argparse
import sys

from plagdetect.cli.output import EXIT_OK, format_table
from plagdetect.errors import PlagDetectError
from plagdetect.settings import Settings


def run_user(args: argparse.Namespace, settings: Settings) -> int:
    from plagdetect.context import Context
    from plagdetect.services.accounts import OPERATOR, Accounts

    accounts = Accounts(Context(settings).sessions)
    if args.action == "list":
        rows = [
            (a.id, a.username, a.role.value, "yes" if a.active else "no", "locked" if a.locked else "")
            for a in accounts.list_users(OPERATOR)
        ]
        print(format_table(["id", "username", "role", "active", "sign-in"], rows))
        return EXIT_OK
    if args.action == "add":
        account = accounts.create_user(OPERATOR, args.username, _new_password(args), args.role)
        print(f"created {account.username} ({account.role.value})")
        return EXIT_OK
    wanted = args.username.strip().casefold()
    found = [a for a in accounts.list_users(OPERATOR) if a.username.casefold() == wanted]
    if not found:
        raise PlagDetectError(f"No account named '{args.username}'.")
    if args.action == "password":
        accounts.reset_password(OPERATOR, found[0].id, _new_password(args))
        print(f"new password set for {args.username}")
    elif args.action == "unlock":
        accounts.unlock(OPERATOR, found[0].id)
        print(f"{args.username} is unlocked")
    else:
        accounts.set_active(OPERATOR, found[0].id, args.action == "enable")
        print(f"{args.username} is {args.action}d")
    return EXIT_OK


def _new_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    password = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != password:
        raise PlagDetectError("The two passwords differ.")
    return password
