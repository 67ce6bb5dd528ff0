from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Monitoring and incidents"

    def ready(self) -> None:
        from incidents import report_signals  # noqa: F401  (connects the receivers)
