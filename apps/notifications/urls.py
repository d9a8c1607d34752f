"""Agency-scoped notification pages, mounted under /<agency_slug>/."""

from django.urls import path

from apps.notifications import views

urlpatterns = [
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
    path("notifications/bell/", views.NotificationBellView.as_view(), name="notification_bell"),
    path(
        "notifications/<uuid:notification_id>/read/",
        views.NotificationReadView.as_view(),
        name="notification_read",
    ),
    path(
        "notifications/read-all/",
        views.NotificationReadAllView.as_view(),
        name="notifications_read_all",
    ),
    path("settings/webhooks/", views.WebhookListView.as_view(), name="webhook_list"),
    path(
        "settings/webhooks/<uuid:endpoint_id>/",
        views.WebhookDetailView.as_view(),
        name="webhook_detail",
    ),
    path(
        "settings/webhooks/<uuid:endpoint_id>/secret/",
        views.WebhookRotateView.as_view(),
        name="webhook_rotate",
    ),
    path(
        "settings/webhooks/<uuid:endpoint_id>/delete/",
        views.WebhookDeleteView.as_view(),
        name="webhook_delete",
    ),
    path("settings/deliveries/", views.DeliveryListView.as_view(), name="deliveries"),
    path(
        "settings/deliveries/<uuid:delivery_id>/retry/",
        views.DeliveryRetryView.as_view(),
        name="delivery_retry",
    ),
]

# Outside any agency: a person's preferences, and the links in their emails.
account_patterns = [
    path("", views.EmailPreferencesView.as_view(), name="notification_preferences"),
]
public_patterns = [
    path(
        "unsubscribe/<str:token>/",
        views.UnsubscribeView.as_view(),
        name="notifications_unsubscribe",
    ),
]
