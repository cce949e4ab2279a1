"""Import a council's audits from an export_audits file (JSON) or folder (CSV)."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from audits import transfer
from audits.models import Role


class Command(BaseCommand):
    help = (
        "Import what export_audits wrote: a JSON file or a folder of CSV files. Every row is checked first, with "
        "the rules of the forms, and everything is imported in one transaction; on any error nothing changes and "
        "the message names the file, table and row. Refuses a council that already has audits unless --replace. "
        "Never removes a member: members of the council who are not in the file keep their role (the command "
        "lists them), and members in the file get the role the file gives them."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the JSON file, or the folder of CSV files")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="delete the council's existing audits (with their answers, history and scores) first, in the "
            "same transaction. Services and members are kept, also those not in the file.",
        )
        parser.add_argument(
            "--allow-existing-accounts",
            action="store_true",
            help="give the file's roles to accounts that already exist here but are not members of this council "
            "(members of another council, site administrators, accounts with no role): refused otherwise, naming "
            "each account, since users are matched by username and the same username may be another person here",
        )

    def handle(self, *args, path: str, replace: bool, allow_existing_accounts: bool, **options):
        source = Path(path)
        if not source.exists():
            raise CommandError(f"{source} does not exist. Nothing was imported.")
        try:
            export = transfer.read_export(source)
            result = transfer.import_council(
                export.tables,
                origin=export.origin,
                replace=replace,
                allow_existing_accounts=allow_existing_accounts,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages) + " Nothing was imported.") from None
        except OSError as exc:
            raise CommandError(f"{exc.filename or source}: {exc.strerror}. Nothing was imported.") from None
        tables, name = export.tables, result.council.name
        if result.replaced:
            self.stdout.write(f"{name}: deleted the {result.replaced} audits that were here (--replace).")
        self.stdout.write(
            f"{name}: imported {len(tables['audits'])} audits, {len(tables['answers'])} answers and "
            f"{len(tables['events'])} history events."
        )
        if result.created_users:
            self.stdout.write(
                f"Created {len(result.created_users)} users without a password (they use “Forgot your password?”): "
                + ", ".join(result.created_users)
            )
        if result.new_roles:
            self.stdout.write(
                f"Gave a role in {name} to accounts that were already here: " + ", ".join(result.new_roles)
            )
        if result.changed_roles:
            self.stdout.write(
                "Changed roles to the ones in the file: "
                + ", ".join(
                    f"{user} from {Role(old).label} to {Role(new).label}" for user, old, new in result.changed_roles
                )
            )
        if result.kept_members:
            self.stdout.write(
                f"Kept the members of {name} who are not in the file, with their roles (the import never removes "
                "anyone; remove them in the admin if they should go): "
                + ", ".join(f"{user} ({Role(role).label})" for user, role in result.kept_members)
            )
