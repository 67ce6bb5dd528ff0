"""`python manage.py demo_data`: load the demo agencies and people, print their logins."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from clients.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Create (idempotently) the demo agencies, clients and one user of each role."

    def handle(self, *args: Any, **options: Any) -> None:
        logins = load_demo()
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in with any of these:"))
        width = max(len(login.email) for login in logins)
        for login in logins:
            self.stdout.write(f"  {login.email:<{width}}  {DEMO_PASSWORD}   {login.role}")
