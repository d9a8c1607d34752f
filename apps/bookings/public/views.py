"""The public side of booking: an agency's offers, the booking page (days, then times, then
a short form, in the booker's time zone), and the signed page to reschedule or cancel."""

from __future__ import annotations

import re
import uuid
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from apps.accounts.validators import validate_time_zone
from apps.agencies.access import agency_for_public_slug
from apps.agencies.models import Agency
from apps.agencies.selectors import agency_brand, agency_logo
from apps.bookings import services
from apps.bookings.access import booking_for_token, get_published_offer
from apps.bookings.availability import available_slots
from apps.bookings.calendar_links import CalendarLinks, calendar_links
from apps.bookings.ics import booking_ics
from apps.bookings.models import Booking, ConsultationType
from apps.bookings.public.forms import CancelForm, PublicBookingForm, RescheduleForm
from apps.bookings.public.throttles import booking_attempt_wait, too_many_message
from apps.bookings.selectors import (
    booker_company,
    bookings_of_booker,
    hosts_prefetch,
    offer_list,
)
from apps.bookings.slots import Slot, local_days_in_utc, slots_by_local_day
from apps.bookings.tasks import manage_url
from apps.bookings.tokens import BadManageLinkError, confirm_code_matches, manage_token
from apps.core import zones
from apps.core.clock import week_start_for_language
from apps.core.months import Month, month_from_query, weekday_names
from apps.core.site import site_url
from apps.core.tenancy import activate_agency
from apps.core.validators import day_from_query, instant_from_query
from apps.core.views_helpers import add_service_error, call, submit


def _agency(slug: str) -> Agency:
    agency = agency_for_public_slug(slug)
    activate_agency(agency)
    return agency


def _zone_from(request: HttpRequest, default: str) -> tuple[str, str | None]:
    """The booker's zone from `?tz=` (set by the browser), else `default`; with an error
    message when the given one is not a real zone."""
    requested = (request.POST.get("time_zone") or request.GET.get("tz") or "").strip()
    if not requested:
        return default, None
    requested = zones.canonical(requested)
    try:
        validate_time_zone(requested)
    except ValidationError:
        return default, (
            f"“{requested[:64]}” is not a time zone we know; times are shown in {default}. "
            "Choose yours from the list."
        )
    return requested, None


def _parse_day(value: str | None) -> date | None:
    """A day from the query string; a malformed one is as if none was given, one too far
    from today a 400 page saying so."""
    return day_from_query(value)


def _parse_start(value: str | None, zone_name: str) -> datetime | None:
    """A start from the query string or the form, in the booker's zone; a malformed one is
    as if none was given, one too far from today a 400 page saying so."""
    start = instant_from_query(value)
    return start.astimezone(zoneinfo.ZoneInfo(zone_name)) if start else None


# A brand's address carries its version: a new logo or colour is a new address.
_BRAND_CACHE = "public, max-age=31536000, immutable"


class AgencyLogoView(View):
    def get(self, request: HttpRequest, agency: str, version: str) -> HttpResponse:
        logo = agency_logo(agency=_agency(agency), version=version)
        if logo is None:
            raise Http404("No such logo.")
        response = HttpResponse(logo, content_type="image/png")
        response["Cache-Control"] = _BRAND_CACHE
        response.same_for_everyone = True  # type: ignore[attr-defined]
        response["X-Content-Type-Options"] = "nosniff"
        return response


class AgencyStyleView(View):
    """The accent colour as a stylesheet of its own: the pages' CSP allows no inline style."""

    def get(self, request: HttpRequest, agency: str, version: str) -> HttpResponse:
        brand = agency_brand(agency=_agency(agency))
        if brand is None or brand.version != version:
            raise Http404("No such style.")
        css = ""
        if brand.accent_color:
            # The colour was checked (#RRGGBB) when saved: nothing else reaches this text.
            css = (
                ":root {"
                f" --color-primary: {brand.accent_color};"
                f" --color-primary-hover: color-mix(in srgb, {brand.accent_color} 82%, black);"
                f" --color-primary-soft: color-mix(in srgb, {brand.accent_color} 10%, white);"
                " }\n"
            )
        response = HttpResponse(css, content_type="text/css; charset=utf-8")
        response["Cache-Control"] = _BRAND_CACHE
        response.same_for_everyone = True  # type: ignore[attr-defined]
        return response


class AgencyOffersView(View):
    def get(self, request: HttpRequest, agency: str) -> HttpResponse:
        agency_obj = _agency(agency)
        offers = offer_list(agency=agency_obj, published_only=True)
        return render(
            request, "bookings/public/offers.html", {"agency": agency_obj, "offers": offers}
        )


@dataclass(frozen=True)
class DayCell:
    """One day of the month calendar: its number of free times (0 when none or not
    bookable) and whether it is the day whose times are shown."""

    day: date
    count: int
    chosen: bool


class SlotPicker:
    """A month of the booker's days, the free ones marked with their number of free times,
    and the chosen day's times beside it, in the booker's zone, from one slot computation
    over the month's bookable days; only `host_id`'s times when the booker has picked one."""

    def __init__(
        self,
        offer: ConsultationType,
        zone_name: str,
        month: Month | None,
        day: date | None,
        *,
        host_id: str | None = None,
        week_start: int = 0,
    ):
        zone = zoneinfo.ZoneInfo(zone_name)
        self.today = timezone.localtime(timezone.now(), zone).date()
        # Paging only: which months the picker may show. Which times are free, notice and
        # window included, is available_slots' answer.
        self.last_bookable = self.today + timedelta(days=offer.booking_window_days)
        asked = month or (Month.of(day) if day else None)
        self.month = min(max(asked or Month.of(self.today), Month.of(self.today)),
                         Month.of(self.last_bookable))  # fmt: skip
        host_ids = [host_id] if host_id else None
        self.by_day = self._free(offer, zone_name, host_ids)
        if asked is None and not self.by_day and self.month < Month.of(self.last_bookable):
            # Late in a month with nothing left: the next month's first free day is what the
            # booker came for, not an empty calendar.
            self.month = self.month.next()
            self.by_day = self._free(offer, zone_name, host_ids)
        self.day = day if day in self.by_day else next(iter(self.by_day), None)
        chosen = self.by_day.get(self.day, []) if self.day is not None else []
        self.times = [(slot, slot.start.astimezone(zone)) for slot in chosen]
        self.weeks = [
            [DayCell(d, len(self.by_day.get(d, [])), d == self.day) if d else None for d in week]
            for week in self.month.weeks(week_start)
        ]
        self.weekdays = weekday_names(week_start)
        self.free_days = len(self.by_day)
        self.previous = self.month.previous() if self.month > Month.of(self.today) else None
        following = self.month.next()
        self.next = following if following.first <= self.last_bookable else None
        self.zone = zone_name

    def _free(
        self, offer: ConsultationType, zone_name: str, host_ids: list[str] | None
    ) -> dict[date, list[Slot]]:
        first = max(self.month.first, self.today)
        last = min(self.month.last, self.last_bookable)
        if last < first:
            return {}
        start, end = local_days_in_utc(first, last, zone_name)
        free = available_slots(offer, start=start, end=end, host_ids=host_ids)
        return slots_by_local_day(free, zone_name)


def _picker_month(request: HttpRequest) -> Month | None:
    """`?month=` names the month shown; the older `?from=` (a day) still opens its month."""
    month = month_from_query(request.GET.get("month"))
    if month is None and (first := _parse_day(request.GET.get("from"))):
        month = Month.of(first)
    return month


def _week_start(request: HttpRequest) -> int:
    return week_start_for_language(request.headers.get("Accept-Language", ""))


def _host_names(offer: ConsultationType) -> dict[str, str]:
    return {str(h.membership_id): h.membership.user.display_name for h in offer.hosts.all()}


class BookOfferView(View):
    template_name = "bookings/public/book.html"

    def _offer(self, agency_slug: str, offer_slug: str) -> ConsultationType:
        agency = _agency(agency_slug)
        offer = get_published_offer(agency=agency, offer_slug=offer_slug)
        # The page names the hosts and the form checks the one picked against them.
        prefetch_related_objects([offer], hosts_prefetch())
        return offer

    def _context(
        self,
        request: HttpRequest,
        offer: ConsultationType,
        *,
        zone_name: str,
        zone_error: str | None,
        form: PublicBookingForm | None = None,
        error: str | None = None,
        limit_error: str | None = None,
    ) -> dict[str, Any]:
        day = _parse_day(request.GET.get("day"))
        host_names = _host_names(offer)
        booker_picks = offer.host_choice == ConsultationType.HostChoice.BOOKER_PICKS
        picked = request.GET.get("host") if form is None else form.data.get("host")
        if booker_picks and picked not in host_names:
            # The booker chooses the person on such an offer, so someone is always chosen
            # (the first host until they pick another): times are that person's times.
            picked = next(iter(host_names), None)
        elif not booker_picks:
            picked = None
        start_param = request.GET.get("start") if form is None else form.data.get("start")
        chosen = _parse_start(start_param, zone_name)
        picker = SlotPicker(
            offer, zone_name, _picker_month(request), day or (chosen and chosen.date()),
            host_id=picked, week_start=_week_start(request),
        )  # fmt: skip
        user = request.user if request.user.is_authenticated else None
        if form is None and chosen is not None:
            form = PublicBookingForm(
                initial={
                    "start": chosen.isoformat(),
                    "time_zone": zone_name,
                    "host": picked,
                    "idempotency_key": uuid.uuid4().hex,
                    "name": getattr(user, "name", ""),
                    "email": getattr(user, "email", ""),
                    "company": booker_company(agency=offer.agency, user=user) if user else "",
                }
            )
        return {
            "agency": offer.agency,
            "offer": offer,
            "picker": picker,
            "zone": zone_name,
            "zone_error": zone_error,
            "zones": zones.choices(timezone.now()),
            "chosen": chosen,
            "form": form,
            "error": error,
            "limit_error": limit_error,
            "host_names": host_names,
            "booker_picks": booker_picks,
            "picked_host": picked,
            "policy": services.policy_for(offer.agency),
            "my_bookings": bookings_of_booker(agency=offer.agency, user=user) if user else [],
        }

    def get(self, request: HttpRequest, agency: str, offer: str) -> HttpResponse:
        offer_obj = self._offer(agency, offer)
        zone_name, zone_error = _zone_from(request, offer_obj.agency.time_zone)
        context = self._context(request, offer_obj, zone_name=zone_name, zone_error=zone_error)
        return render(request, self.template_name, context, status=400 if zone_error else 200)

    def post(self, request: HttpRequest, agency: str, offer: str) -> HttpResponse:
        offer_obj = self._offer(agency, offer)
        zone_name, zone_error = _zone_from(request, offer_obj.agency.time_zone)
        form = PublicBookingForm(request.POST)
        # Counted with the booking API's attempts (bookings.public.throttles), before anything
        # else: a refused attempt books nothing and sends nothing.
        wait = booking_attempt_wait(request, email=request.POST.get("email"))
        if wait is not None:
            context = self._context(
                request, offer_obj, zone_name=zone_name, zone_error=zone_error, form=form,
                limit_error=too_many_message(wait),
            )  # fmt: skip
            response = render(
                request, self.template_name, context, status=HTTPStatus.TOO_MANY_REQUESTS
            )
            response["Retry-After"] = str(wait)
            return response
        error = zone_error
        slot_taken = False
        if form.is_valid() and not zone_error:
            data = form.cleaned_data
            host = None
            if data["host"]:
                hosts = {h.membership_id: h.membership for h in offer_obj.hosts.all()}
                host = hosts.get(data["host"])
                if host is None:
                    form.add_error(None, "Choose one of the people listed.")
            if not form.errors:
                outcome = call(
                    lambda: (
                        services.booking_create(
                            consultation_type=offer_obj,
                            start=data["start"],
                            host=host,
                            booker=services.Booker.from_answers(data, time_zone=zone_name),
                            consent=data["consent"],
                            idempotency_key=data["idempotency_key"],
                            user=request.user,
                        ).booking
                    ),
                    denial_in_place=True,
                )
                if outcome.value is not None:
                    # With the zone in the address the page needs no reload to show it.
                    url = reverse("booking_manage", args=[manage_token(outcome.value)])
                    return redirect(f"{url}?{urlencode({'booked': 1, 'tz': zone_name})}")
                if isinstance(outcome.error, services.SlotTakenError):
                    error, slot_taken = outcome.message, True
                elif outcome.error is not None:
                    add_service_error(form, outcome.error)
        context = self._context(
            request, offer_obj, zone_name=zone_name, zone_error=zone_error, form=form, error=error
        )
        if slot_taken:
            _offer_other_times(context, form)
        status = HTTPStatus.CONFLICT if slot_taken else HTTPStatus.BAD_REQUEST
        return render(request, self.template_name, context, status=status)


def _offer_other_times(context: dict[str, Any], form: PublicBookingForm) -> None:
    """The time was just taken; the booker's answers were not lost with it. The same form
    comes back filled in, with the free times of that day to choose from (or of the month's
    first free day); only when the month has none left does the calendar come back instead."""
    picker: SlotPicker = context["picker"]
    context["chosen"] = None
    if not picker.times:
        context["form"] = None
        return
    answers = {k: v for k, v in form.cleaned_data.items() if k != "start"}
    # A new key: the refused attempt must not be mistaken for this one's replay.
    answers["idempotency_key"] = uuid.uuid4().hex
    context["form"] = PublicBookingForm(initial=answers)
    context["alternatives"] = picker.times
    context["alternatives_day"] = picker.day


class ManageBookingView(View):
    """The booker's page for one booking, reached only through the signed link."""

    template_name = "bookings/public/manage.html"
    booking: Booking

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        """Every method the page answers reads the link first; the others stay a 405."""
        method = (request.method or "").lower()
        if method in self.http_method_names and hasattr(self, method):
            try:
                self.booking = booking_for_token(kwargs["token"])
            except BadManageLinkError as exc:
                return _bad_link(request, exc)
            activate_agency(self.booking.agency)
        return super().dispatch(request, *args, **kwargs)

    def _context(self, request: HttpRequest, token: str, **extra: Any) -> dict[str, Any]:
        booking = self.booking
        zone_name, zone_error = _zone_from(request, booking.booker_time_zone)
        zone = zoneinfo.ZoneInfo(zone_name)
        policy = services.policy_for(booking.agency)
        now = timezone.now()

        def allowed(*, rescheduling: bool) -> bool:
            refusal = services.booker_refusal(
                booking, policy=policy, now=now, rescheduling=rescheduling
            )
            return booking.status == Booking.Status.CONFIRMED and refusal is None

        context = {
            "agency": booking.agency,
            "booking": booking,
            "offer": booking.consultation_type,
            "token": token,
            "zone": zone_name,
            "zone_error": zone_error,
            "zones": zones.choices(timezone.now()),
            "start_local": booking.start.astimezone(zone),
            "end_local": booking.end.astimezone(zone),
            "hold_until_local": booking.hold_expires_at.astimezone(zone)
            if booking.hold_expires_at
            else None,
            "policy": policy,
            "can_change": allowed(rescheduling=False),
            "can_reschedule": allowed(rescheduling=True),
            "booked": request.GET.get("booked") == "1",
            "calendar": _calendar_links(booking, token)
            if booking.status == Booking.Status.CONFIRMED
            else None,
            "meeting_url": _meeting_url(booking.consultation_type.location_detail),
            "cancel_form": CancelForm(),
            "reschedule_form": None,
        }
        if context["can_reschedule"] and request.GET.get("reschedule"):
            context["picker"] = SlotPicker(
                booking.consultation_type,
                zone_name,
                _picker_month(request),
                _parse_day(request.GET.get("day")),
                week_start=_week_start(request),
            )
        context.update(extra)
        return context

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        context = self._context(request, token)
        if start := request.GET.get("start"):
            new_start = _parse_start(start, context["zone"])
            if new_start is not None:
                context["reschedule_form"] = RescheduleForm(initial={"start": start})
                context["new_start_local"] = new_start
        return render(request, self.template_name, context)

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        action = request.POST.get("action")
        if action == "cancel":
            return self._cancel(request, token)
        if action == "reschedule":
            return self._reschedule(request, token)
        return render(
            request, self.template_name,
            self._context(request, token, action_error="Choose to reschedule or cancel."),
            status=400,
        )  # fmt: skip

    def _cancel(self, request: HttpRequest, token: str) -> HttpResponse:
        form = CancelForm(request.POST)
        if submit(
            form,
            lambda data: services.booking_cancel(
                booking=self.booking, reason=data["reason"], by_booker=True
            ),
            denial_in_place=True,
        ):
            messages.success(request, "Your booking is cancelled. We have emailed you both.")
            return redirect("booking_manage", token=token)
        context = self._context(request, token, cancel_form=form)
        return render(request, self.template_name, context, status=400)

    def _reschedule(self, request: HttpRequest, token: str) -> HttpResponse:
        form = RescheduleForm(request.POST)
        slot_taken = False
        if form.is_valid():
            outcome = call(
                lambda: services.booking_reschedule(
                    booking=self.booking,
                    new_start=form.cleaned_data["start"],
                    reason=form.cleaned_data["reason"],
                    by_booker=True,
                ),
                denial_in_place=True,
            )
            if outcome.ok:
                messages.success(request, "Your booking has moved. We have emailed you both.")
                return _back_to_manage(request, token, self.booking)
            if outcome.error is not None:
                add_service_error(form, outcome.error)
            slot_taken = isinstance(outcome.error, services.SlotTakenError)
        return render(
            request, self.template_name,
            self._context(request, token, reschedule_form=form),
            status=HTTPStatus.CONFLICT if slot_taken else HTTPStatus.BAD_REQUEST,
        )  # fmt: skip


class ConfirmBookingView(View):
    """The link in the email that asks a booker to confirm a hold (where the agency asks for
    that): a page with one button. Opening the link changes nothing, so a mail scanner that
    follows links confirms nothing; the booker's press of the button does."""

    template_name = "bookings/public/confirm.html"
    expired = (
        "This booking was not confirmed in time, so we released the time for others. "
        "Please book again."
    )

    def _booking(self, request: HttpRequest, token: str, code: str) -> Booking | HttpResponse:
        try:
            booking = booking_for_token(token)
        except BadManageLinkError as exc:
            return _bad_link(request, exc)
        except Http404:  # the hold expired and was released
            return _bad_link(request, BadManageLinkError(self.expired), status=404)
        if not confirm_code_matches(booking, code):
            return _bad_link(
                request,
                BadManageLinkError(
                    "This confirmation link is not valid. Use the link in your email, "
                    "exactly as sent."
                ),
            )
        activate_agency(booking.agency)
        return booking

    def _page(self, booking: Booking, token: str, **extra: Any) -> dict[str, Any]:
        zone = zoneinfo.ZoneInfo(booking.booker_time_zone)
        return {
            "agency": booking.agency,
            "booking": booking,
            "offer": booking.consultation_type,
            "token": token,
            "zone": booking.booker_time_zone,
            "start_local": booking.start.astimezone(zone),
            "end_local": booking.end.astimezone(zone),
            "hold_until_local": booking.hold_expires_at.astimezone(zone)
            if booking.hold_expires_at
            else None,
            "live": booking.status == Booking.Status.PENDING
            and booking.hold_expires_at is not None
            and booking.hold_expires_at > timezone.now(),
            "expired_message": self.expired,
            **extra,
        }

    def get(self, request: HttpRequest, token: str, code: str) -> HttpResponse:
        booking = self._booking(request, token, code)
        if isinstance(booking, HttpResponse):
            return booking
        if booking.status == Booking.Status.CONFIRMED:
            return _back_to_manage(request, token, booking)
        return render(request, self.template_name, self._page(booking, token))

    def post(self, request: HttpRequest, token: str, code: str) -> HttpResponse:
        booking = self._booking(request, token, code)
        if isinstance(booking, HttpResponse):
            return booking
        outcome = call(
            lambda: services.booking_confirm(booking=booking, code=code), denial_in_place=True
        )
        if outcome.ok:
            messages.success(request, "Your booking is confirmed. We have emailed you both.")
            return _back_to_manage(request, token, booking)
        context = self._page(booking, token, error=outcome.message)
        return render(request, self.template_name, context, status=outcome.status)


def _back_to_manage(request: HttpRequest, token: str, booking: Booking) -> HttpResponse:
    zone_name, _ = _zone_from(request, booking.booker_time_zone)
    url = reverse("booking_manage", args=[token])
    return redirect(f"{url}?{urlencode({'tz': zone_name})}")


def _meeting_url(detail: str) -> str:
    """The meeting's link, when the offer's location detail is one (shown clickable)."""
    detail = (detail or "").strip()
    return detail if re.fullmatch(r"https://\S+", detail) else ""


def _calendar_links(booking: Booking, token: str) -> CalendarLinks:
    offer = booking.consultation_type
    manage = site_url() + reverse("booking_manage", args=[token])
    return calendar_links(
        title=f"{offer.name} with {booking.agency.name}",
        start=booking.start,
        end=booking.end,
        details=(f"With {booking.host.user.display_name}. " if booking.host else "")
        + f"To reschedule or cancel: {manage}",
        location=offer.location_detail or offer.get_location_display(),
    )


def _bad_link(request: HttpRequest, exc: BadManageLinkError, status: int = 400) -> HttpResponse:
    return render(request, "bookings/public/bad_link.html", {"message": exc.message}, status=status)


class BookingIcsView(View):
    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            booking = booking_for_token(token)
        except BadManageLinkError as exc:
            return HttpResponse(exc.message, status=400, content_type="text/plain")
        activate_agency(booking.agency)
        response = HttpResponse(
            booking_ics(booking, manage_url=manage_url(booking)), content_type="text/calendar"
        )
        response["Content-Disposition"] = 'attachment; filename="consultation.ics"'
        return response
