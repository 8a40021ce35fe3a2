from django.core.management.base import BaseCommand, CommandError

from kicks.services import purge_orphan_kicks


class Command(BaseCommand):
    help = "Remove kick files whose removal failed when their kick was deleted."

    def handle(self, *args: object, **options: object) -> None:
        report = purge_orphan_kicks()
        self.stdout.write(f"Removed {report.removed} orphaned kick file(s).")
        if report.failed:
            raise CommandError(f"{report.failed} file(s) could not be removed; they stay recorded.")
