from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "apps.bookings"
    label = "bookings"
    verbose_name = "Consultation booking"

    def ready(self) -> None:
        from apps.agencies.hooks import member_leaving
        from apps.bookings import reminders, tasks
        from apps.bookings.receivers import refuse_removing_busy_host

        member_leaving.connect(refuse_removing_busy_host)
        reminders.register()
        tasks.register()
