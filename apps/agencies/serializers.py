"""API representations of agencies, members, invitations, and the signed-in user."""

from rest_framework import serializers

from apps.agencies import limits
from apps.agencies.models import Agency, Invitation, Membership
from apps.agencies.roles import Role
from apps.core.forms import AgencySerializer


class AgencySummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "name", "slug", "time_zone"]


class UserSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    email = serializers.EmailField(read_only=True)
    name = serializers.CharField(read_only=True)


class MembershipSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "role", "created_at"]
        read_only_fields = fields


class MembershipUpdateSerializer(AgencySerializer):
    role = serializers.ChoiceField(choices=Role.choices)


class MeMembershipSerializer(serializers.ModelSerializer):
    agency = AgencySummarySerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "agency", "role"]


class MeSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField()
    name = serializers.CharField()
    time_zone = serializers.CharField()
    memberships = MeMembershipSerializer(many=True)


class InvitationSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=Invitation.Status.choices, read_only=True)
    invited_by = UserSummarySerializer(read_only=True)

    class Meta:
        model = Invitation
        fields = [
            "id",
            "email",
            "role",
            "status",
            "invited_by",
            "expires_at",
            "sent_at",
            "accepted_at",
            "revoked_at",
            "created_at",
        ]
        read_only_fields = fields


class MemberFilterSerializer(AgencySerializer):
    """The member list's query parameters. A value it does not know is a 400."""

    role = serializers.ChoiceField(
        choices=Role.choices, required=False, help_text="Only members with this role."
    )
    search = serializers.CharField(
        max_length=100, required=False, help_text="Matches the name or email."
    )


class InvitationFilterSerializer(AgencySerializer):
    """The invitation list's query parameters. A value it does not know is a 400."""

    status = serializers.ChoiceField(choices=Invitation.Status.choices, required=False)


class InvitationCreateSerializer(AgencySerializer):
    email = serializers.EmailField(max_length=limits.EMAIL_MAX_LENGTH)
    role = serializers.ChoiceField(choices=Role.choices)
