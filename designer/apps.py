from django.apps import AppConfig


class DesignerConfig(AppConfig):
    name = "designer"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        import executor.asl  # noqa: F401  (the engine, with its native JSONata module, on the main thread)
        from designer import handlers_loader
        from designer.live.publisher import connect_signals

        # Bind the user's Lambda handlers once per process, before any execution runs.
        handlers_loader.load_handler_modules()
        # What the web process writes itself reaches the live views (the sink publishes the rest).
        connect_signals()
