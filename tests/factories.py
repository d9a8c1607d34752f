"""factory_boy factories. Every row a factory makes belongs to one agency: pass `agency=` and
related factories reuse it, so a test never builds a cross-tenant object by accident."""

from __future__ import annotations

from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from apps.accounts.models import User
from apps.agencies.models import Agency, ApiToken, Invitation, Membership
from apps.agencies.roles import Role
from apps.core.tokens import hash_token, new_token

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    # Not Faker: a random name with an apostrophe ("O'Neil") is escaped on every page, so a
    # test asserting the raw name would pass or fail with the seed. Tests of awkward names
    # say so themselves.
    name = factory.Sequence(lambda n: f"Person {n}")
    time_zone = "UTC"
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy passes the object
        # allauth requires a verified address to sign in; most tests want a usable account.
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n}")
    slug = factory.Sequence(lambda n: f"agency-{n}")
    time_zone = "Europe/Berlin"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    agency = factory.SubFactory(AgencyFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.ENGINEER


class InvitationFactory(factory.django.DjangoModelFactory):
    """For bulk rows; tests that need the link itself create invitations through the service."""

    class Meta:
        model = Invitation
        exclude = ["raw_token"]

    agency = factory.SubFactory(AgencyFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.test")
    role = Role.ENGINEER
    raw_token = factory.LazyFunction(lambda: new_token()[0])
    token_hash = factory.LazyAttribute(lambda o: hash_token(o.raw_token))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    invited_by = None


class ApiTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApiToken
        exclude = ["raw_token"]

    membership = factory.SubFactory(MembershipFactory)
    agency = factory.SelfAttribute("membership.agency")
    name = factory.Sequence(lambda n: f"Token {n}")
    raw_token = factory.LazyFunction(lambda: new_token("lp_")[0])
    prefix = factory.LazyAttribute(lambda o: o.raw_token[:9])
    token_hash = factory.LazyAttribute(lambda o: hash_token(o.raw_token))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "clients.Client"

    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"Client {n}")
    status = "active"
