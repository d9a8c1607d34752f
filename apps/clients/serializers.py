"""API representations of clients, and the input serializers for listing and changing them."""

from rest_framework import serializers

from apps.clients import limits
from apps.clients.models import Client
from apps.core.forms import AgencySerializer

STATUS_FILTER_CHOICES = [*Client.Status.choices, ("all", "All, archived included")]


class ClientSummarySerializer(serializers.ModelSerializer):
    """A client as other resources (engagements) mention it."""

    class Meta:
        model = Client
        fields = ["id", "name"]
        read_only_fields = fields


class ClientSerializer(serializers.ModelSerializer):
    class Meta:
        model = Client
        fields = [
            "id",
            "name",
            "website",
            "billing_email",
            "notes",
            "status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ClientListSerializer(ClientSerializer):
    # Annotated by clients.selectors.client_list: no query per row.
    project_count = serializers.IntegerField(
        read_only=True, help_text="Engagements of this client that are not archived."
    )

    class Meta(ClientSerializer.Meta):
        fields = [*ClientSerializer.Meta.fields, "project_count"]
        read_only_fields = fields


class ClientWriteSerializer(AgencySerializer):
    """Create (POST) or change (PATCH, every field optional) a client."""

    name = serializers.CharField(max_length=limits.NAME_MAX_LENGTH)
    website = serializers.URLField(
        max_length=limits.WEBSITE_MAX_LENGTH, required=False, allow_blank=True
    )
    billing_email = serializers.EmailField(
        max_length=limits.EMAIL_MAX_LENGTH, required=False, allow_blank=True
    )
    notes = serializers.CharField(
        max_length=limits.NOTES_MAX_LENGTH, required=False, allow_blank=True, trim_whitespace=False
    )
    status = serializers.ChoiceField(choices=Client.Status.choices, required=False)


class ClientFilterSerializer(AgencySerializer):
    """The list's query parameters. A value it does not know is a 400, not silently ignored."""

    search = serializers.CharField(
        max_length=100, required=False, help_text="Matches the name or a contact's email."
    )
    status = serializers.ChoiceField(
        choices=STATUS_FILTER_CHOICES,
        required=False,
        help_text="One status, or `all`. Without it, archived clients are left out.",
    )
