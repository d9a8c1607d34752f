"""The agency side of consultation booking: the bookings list and week view, one booking
(cancel, no-show, turn into a client and engagement), each host's availability, and the
pages for consultation types (offers) and the booking policy."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import FormView, TemplateView

from apps.agencies.mixins import AgencyViewMixin
from apps.agencies.roles import Capability
from apps.bookings import selectors, services
from apps.bookings.access import get_booking, get_offer, get_override
from apps.bookings.forms import (
    BookingFilterForm,
    CancelForm,
    MemberPickForm,
    OfferForm,
    OverrideForm,
    PolicyForm,
    ScheduleForm,
)
from apps.bookings.models import Booking, ConsultationType
from apps.bookings.slots import local_days_in_utc
from apps.core.clock import week_start_for_language
from apps.core.months import Month, month_from_query, weekday_names
from apps.core.validators import day_from_query
from apps.core.views_helpers import Outcome, add_service_error, call, run_action, submit
from apps.projects.profile import Framework

C = Capability
PAGE_SIZE = 50


def error_form(outcome: Outcome[Any]) -> forms.Form:
    """A bare form carrying a service's refusal, for pages whose only input is a button."""
    form = forms.Form(data={})
    form.is_valid()
    if outcome.error is not None:
        add_service_error(form, outcome.error)
    return form


# --- Bookings --------------------------------------------------------------------------------


class BookingListView(AgencyViewMixin, TemplateView):
    """Upcoming or past bookings as a list, or one week as seven day columns in the
    viewer's time zone. Hosts see the bookings they host; admins see all and filter."""

    required_capability = C.USE_STAFF_APP
    template_name = "bookings/booking_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        can_filter_hosts = self.membership.can(C.MANAGE_OFFERS)
        form = BookingFilterForm(
            self.request.GET or None, agency=self.agency, can_filter_hosts=can_filter_hosts
        )
        data = {}
        if form.is_bound:
            form.is_valid()  # a bad value is reported beside its field; the others still apply
            data = form.cleaned_data
        view = data.get("view") or "list"
        when = data.get("when") or "upcoming"
        filters = {"host": data.get("host"), "status": data.get("status") or None}
        context.update(
            filter_form=form,
            view=view,
            when=when,
            filtered=bool(filters["host"] or filters["status"]),
            can_filter_hosts=can_filter_hosts,
            time_zone=timezone.get_current_timezone_name(),
            query=self._query(data),
        )
        if view == "week":
            context.update(self._week(data.get("week"), filters))
        else:
            bookings = selectors.booking_list(member=self.membership, when=when, **filters)
            page = Paginator(bookings, PAGE_SIZE).get_page(self.request.GET.get("page"))
            context.update(page_obj=page, bookings=list(page.object_list))
        return context

    @staticmethod
    def _query(data) -> str:
        """The filters as a query string, for the tab, view and pager links."""
        parts = []
        if data.get("host"):
            parts.append(f"host={data['host'].pk}")
        if data.get("status"):
            parts.append(f"status={data['status']}")
        return "&".join(parts)

    def _week(self, anchor, filters) -> dict:
        today = timezone.localdate()
        monday = (anchor or today) - timedelta(days=(anchor or today).weekday())
        days = [monday + timedelta(days=i) for i in range(7)]
        start, end = local_days_in_utc(monday, days[-1], timezone.get_current_timezone_name())
        columns: dict[date, list[Booking]] = {day: [] for day in days}
        for booking in selectors.booking_list(
            member=self.membership, when="all", start=start, end=end, **filters
        ):
            columns.setdefault(timezone.localtime(booking.start).date(), []).append(booking)
        return {
            "days": [{"day": d, "bookings": columns[d], "is_today": d == today} for d in days],
            "week_start": monday,
            "week_end": days[-1],
            "previous_week": monday - timedelta(days=7),
            "next_week": monday + timedelta(days=7),
            "this_week": today - timedelta(days=today.weekday()),
            "week_total": sum(len(columns[d]) for d in days),
        }


class BookingMixin(AgencyViewMixin):
    """Views of one booking: fetched once, through the access helper (404 if not visible)."""

    required_capability = C.USE_STAFF_APP

    @cached_property
    def booking(self) -> Booking:
        return get_booking(member=self.membership, booking_id=self.kwargs["booking_id"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["booking"] = self.booking
        context["can_manage"] = services.actor_can_manage(self.membership, self.booking)
        context["time_zone"] = timezone.get_current_timezone_name()
        return context

    def back(self):
        return redirect("booking_detail", agency_slug=self.agency.slug, booking_id=self.booking.pk)


class BookingDetailView(BookingMixin, TemplateView):
    template_name = "bookings/booking_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        booking = self.booking
        frameworks = dict(Framework.choices)
        confirmed = booking.status == Booking.Status.CONFIRMED
        context.update(
            events=booking.events.all(),
            compliance=[frameworks.get(c, c) for c in booking.compliance],
            is_confirmed=confirmed,
            has_started=booking.start <= timezone.now(),
            has_ended=booking.end <= timezone.now(),
            can_convert=(
                self.membership.can(C.MANAGE_ENGAGEMENTS)
                and not booking.project_id
                and booking.status not in (Booking.Status.CANCELLED, Booking.Status.PENDING)
            ),
        )
        return context


class BookingCancelView(BookingMixin, FormView):
    """Asks once, with a reason; the booker is emailed a cancellation with a calendar update."""

    template_name = "bookings/booking_cancel.html"
    form_class = CancelForm

    def get(self, request, *args, **kwargs):
        if not services.actor_can_manage(self.membership, self.booking):
            raise PermissionDenied
        if self.booking.status != Booking.Status.CONFIRMED:
            messages.info(request, f"This booking is {self.booking.get_status_display().lower()}.")
            return self.back()
        return super().get(request, *args, **kwargs)

    def form_valid(self, form):
        cancelled = submit(
            form,
            lambda data: services.booking_cancel(
                booking=self.booking, reason=data["reason"], by_booker=False, actor=self.membership
            ),
        )
        if not cancelled:
            return self.form_invalid(form)
        messages.success(
            self.request, f"Booking cancelled; {self.booking.booker_name} has been emailed."
        )
        return self.back()


class BookingNoShowView(BookingMixin, View):
    def post(self, request, agency_slug, booking_id):
        run_action(
            request,
            lambda: services.booking_mark_no_show(actor=self.membership, booking=self.booking),
            success=f"{self.booking.booker_name} marked as a no-show.",
        )
        return self.back()


class BookingConvertView(BookingMixin, TemplateView):
    """Turn a booking into a client, a contact and an engagement in one step."""

    required_capability = C.MANAGE_ENGAGEMENTS
    template_name = "bookings/booking_convert.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        booking = self.booking
        company, existing_client = selectors.conversion_client(agency=self.agency, booking=booking)
        frameworks = dict(Framework.choices)
        context.update(
            company=company,
            existing_client=existing_client,
            compliance=[frameworks.get(c, c) for c in booking.compliance],
        )
        return context

    def post(self, request, agency_slug, booking_id):
        outcome = call(
            lambda: services.booking_convert(actor=self.membership, booking=self.booking)
        )
        project = outcome.value
        if project is None:
            # A refusal of rights went on to the 403 page; any other refusal shows here.
            return self.render_to_response(self.get_context_data(form=error_form(outcome)))
        messages.success(
            request, f"{project.name} created for {project.client.name}, from the booking."
        )
        return redirect("project_detail", agency_slug=self.agency.slug, project_id=project.pk)


# --- Availability ----------------------------------------------------------------------------


class AvailabilityView(AgencyViewMixin, TemplateView):
    """A host's weekly schedule and date overrides; admins can open anyone's (?member=)."""

    required_capability = C.MANAGE_OWN_AVAILABILITY
    template_name = "bookings/availability.html"

    @cached_property
    def subject(self):
        """Whose availability this is: one's own, or (admins) a staff member's."""
        raw = self.request.GET.get("member")
        if not raw or raw == str(self.membership.pk):
            return self.membership
        if not self.membership.can(C.MANAGE_OFFERS):
            raise PermissionDenied
        pick = MemberPickForm({"member": raw}, agency=self.agency)
        if not pick.is_valid():
            raise Http404
        return pick.cleaned_data["member"]

    @cached_property
    def schedule(self):
        return selectors.schedule_for(member=self.subject)

    def weekly(self) -> dict:
        weekly: dict[int, list] = {}
        for weekly_range in self.schedule.weekly.all() if self.schedule else []:
            weekly.setdefault(weekly_range.weekday, []).append(
                (weekly_range.start, weekly_range.end)
            )
        return weekly

    def url(self) -> str:
        url = reverse("availability", args=[self.agency.slug])
        if self.subject.pk != self.membership.pk:
            url += f"?member={self.subject.pk}"
        return url

    def _override_initial(self, overrides: dict[date, Any]) -> dict[str, Any]:
        """`?day=` (a day chosen on the calendar) fills in the date form, with what that date
        already has when it has an override, so that saving changes it."""
        day = day_from_query(self.request.GET.get("day"))
        if day is None:
            return {}
        initial: dict[str, Any] = {"day": day}
        if (existing := overrides.get(day)) is not None:
            initial["day_off"] = not existing.ranges
            initial["note"] = existing.note
            for i, (start, end) in enumerate(existing.ranges[: OverrideForm.RANGE_ROWS]):
                initial[f"r{i}_start"], initial[f"r{i}_end"] = start, end
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        schedule = self.schedule
        zone = schedule.time_zone if schedule else self.subject.user.time_zone
        today = timezone.localdate(timezone=ZoneInfo(zone))
        weekly = self.weekly()
        by_day = {o.day: o for o in schedule.overrides.all()} if schedule else {}
        context.setdefault(
            "schedule_form", ScheduleForm(initial={"time_zone": zone}, weekly=weekly)
        )
        context.setdefault(
            "override_form", OverrideForm(prefix="override", initial=self._override_initial(by_day))
        )
        if schedule:
            context["calendar"] = availability_month(
                month=month_from_query(self.request.GET.get("month")) or Month.of(today),
                today=today,
                weekly=weekly,
                overrides=by_day,
                week_start=week_start_for_language(self.request.headers.get("Accept-Language", "")),
            )
        context.update(
            subject=self.subject,
            is_own=self.subject.pk == self.membership.pk,
            schedule=schedule,
            overrides=[o for o in schedule.overrides.all() if o.day >= today] if schedule else [],
            action_url=self.url(),
            chosen_day=self.request.GET.get("day", ""),
            member_query=f"member={self.subject.pk}&"
            if self.subject.pk != self.membership.pk
            else "",
        )
        if self.membership.can(C.MANAGE_OFFERS):
            context["member_form"] = MemberPickForm(
                initial={"member": self.subject.pk}, agency=self.agency
            )
        return context

    def post(self, request, agency_slug):
        if request.POST.get("form") == "override":
            return self._save_override()
        form = ScheduleForm(request.POST, weekly=self.weekly())
        if submit(
            form,
            lambda data: services.schedule_save(
                actor=self.membership,
                member=self.subject,
                time_zone=data["time_zone"],
                weekly=form.weekly,
            ),
        ):
            messages.success(request, f"Weekly hours saved ({form.cleaned_data['time_zone']}).")
            return redirect(self.url())
        return self.render_to_response(self.get_context_data(schedule_form=form))

    def _save_override(self):
        form = OverrideForm(self.request.POST, prefix="override")
        if submit(
            form,
            lambda data: services.override_save(
                actor=self.membership,
                member=self.subject,
                day=data["day"],
                ranges=[] if data["day_off"] else form.ranges,
                note=data["note"],
            ),
        ):
            day = form.cleaned_data["day"]
            what = "a day off" if form.cleaned_data["day_off"] else "different hours"
            messages.success(self.request, f"{day:%A %-d %B %Y} is now {what}.")
            return redirect(self.url())
        return self.render_to_response(self.get_context_data(override_form=form))


@dataclass(frozen=True)
class AvailabilityDay:
    """One date of a host's calendar: the hours it has (the weekly ones or an override's)."""

    day: date
    hours: list[tuple[time, time]]
    override: bool
    past: bool
    today: bool

    @property
    def day_off(self) -> bool:
        return self.override and not self.hours


@dataclass(frozen=True)
class AvailabilityMonth:
    month: Month
    weeks: list[list[AvailabilityDay | None]]
    weekdays: list[tuple[str, str]]
    previous: Month
    next: Month


def availability_month(
    *,
    month: Month,
    today: date,
    weekly: dict[int, list[tuple[time, time]]],
    overrides: dict[date, Any],
    week_start: int,
) -> AvailabilityMonth:
    """A month of a host's hours as the booking page will offer them: each date's weekly
    hours, or its override (other hours, or a day off) instead."""

    def hours_of(day: date) -> tuple[list[tuple[time, time]], bool]:
        if (override := overrides.get(day)) is not None:
            return [
                (time.fromisoformat(a), time.fromisoformat(b)) for a, b in override.ranges
            ], True
        return list(weekly.get(day.weekday(), [])), False

    weeks: list[list[AvailabilityDay | None]] = []
    for week in month.weeks(week_start):
        row: list[AvailabilityDay | None] = []
        for day in week:
            if day is None:
                row.append(None)
                continue
            hours, is_override = hours_of(day)
            row.append(AvailabilityDay(day, hours, is_override, day < today, day == today))
        weeks.append(row)
    return AvailabilityMonth(
        month, weeks, weekday_names(week_start), month.previous(), month.next()
    )


class OverrideDeleteView(AgencyViewMixin, TemplateView):
    """Asks once; the date goes back to the weekly hours."""

    required_capability = C.MANAGE_OWN_AVAILABILITY
    template_name = "bookings/override_delete.html"

    @cached_property
    def override(self):
        # Someone else's date looks missing to a member who cannot manage it (get_override).
        return get_override(member=self.membership, override_id=self.kwargs["override_id"])

    def back(self):
        url = reverse("availability", args=[self.agency.slug])
        if self.override.schedule.membership_id != self.membership.pk:
            url += f"?member={self.override.schedule.membership_id}"
        return redirect(url)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "override": self.override}

    def post(self, request, agency_slug, override_id):
        override = self.override
        run_action(
            request,
            lambda: services.override_delete(actor=self.membership, override=override),
            success=f"{override.day:%A %-d %B %Y} follows the weekly hours again.",
        )
        return self.back()


# --- Offers and policy -----------------------------------------------------------------------


class OfferListView(AgencyViewMixin, TemplateView):
    """The agency's consultation types, with their hosts and public links; posting adds one."""

    required_capability = C.MANAGE_OFFERS
    template_name = "bookings/offer_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        staff = list(selectors.schedulable_members(agency=self.agency))
        context.setdefault("form", OfferForm(agency=self.agency))
        context.update(
            offers=selectors.offer_list(agency=self.agency),
            unscheduled={m.pk for m in staff if getattr(m, "schedule", None) is None},
        )
        return context

    def post(self, request, agency_slug):
        form = OfferForm(request.POST, agency=self.agency)
        # The form's fields are the service's parameters, name for name.
        if submit(form, lambda data: services.offer_save(actor=self.membership, **data)):
            messages.success(request, f"{form.cleaned_data['name']} created.")
            return redirect("offers", agency_slug=self.agency.slug)
        return self.render_to_response(self.get_context_data(form=form))


class OfferEditView(AgencyViewMixin, FormView):
    required_capability = C.MANAGE_OFFERS
    template_name = "bookings/offer_form.html"
    form_class = OfferForm

    @cached_property
    def offer(self) -> ConsultationType:
        return get_offer(agency=self.agency, offer_id=self.kwargs["offer_id"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "agency": self.agency}

    def get_initial(self):
        initial = {name: getattr(self.offer, name) for name in services.OFFER_FIELDS}
        initial["hosts"] = [h.membership_id for h in self.offer.hosts.all()]
        return initial

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "offer": self.offer}

    def form_valid(self, form):
        saved = submit(
            form,
            lambda data: services.offer_save(
                actor=self.membership,
                # A copy: the service sets the fields before validating, and a refused change
                # must not show up in this page's title and link.
                offer=copy.copy(self.offer),
                **data,
            ),
        )
        if not saved:
            return self.form_invalid(form)
        messages.success(self.request, f"{form.cleaned_data['name']} saved.")
        return redirect("offers", agency_slug=self.agency.slug)


class BookingPolicyView(AgencyViewMixin, FormView):
    required_capability = C.MANAGE_OFFERS
    template_name = "bookings/policy_form.html"
    form_class = PolicyForm

    def get_initial(self):
        return PolicyForm.initial_from(services.policy_for(self.agency))

    def form_valid(self, form):
        if not submit(
            form,
            lambda data: services.policy_save(
                actor=self.membership,
                cancel_notice_hours=data["cancel_notice_hours"],
                max_reschedules=data["max_reschedules"],
                privacy_notice=data["privacy_notice"],
                confirm_by_email=data["confirm_by_email"],
            ),
        ):
            return self.form_invalid(form)
        messages.success(self.request, "Booking policy saved.")
        return redirect("booking_policy", agency_slug=self.agency.slug)
