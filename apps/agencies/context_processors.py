"""Template context for the site layout: the current agency and the agency switcher."""

from django.utils.functional import SimpleLazyObject

from apps.agencies.roles import Capability
from apps.agencies.selectors import memberships_for_user


def agency_navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def switcher():
        return list(memberships_for_user(user=user))

    membership = getattr(request, "membership", None)
    return {
        # Lazy: pages that never draw the switcher never run its query.
        "my_memberships": SimpleLazyObject(switcher),
        "current_membership": membership,
        "current_agency": getattr(request, "agency", None),
        "caps": {cap.name: membership.can(cap) for cap in Capability} if membership else {},
    }
