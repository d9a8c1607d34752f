"""Repository scans: one row per run (queued, running, succeeded, failed), its findings, and
the encrypted access token of a private repository."""

from __future__ import annotations

from typing import ClassVar, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.fields.json import KeyTransform

from apps.core.models import TenantOwnedModel, TenantQuerySet


class RepositoryAccess(TenantOwnedModel):
    """A token for a private repository, encrypted at rest (Fernet, keys from the
    environment); only its last four characters are ever shown again."""

    project = models.OneToOneField(
        "projects.Project", on_delete=models.CASCADE, related_name="repository_access"
    )
    token_encrypted = models.TextField()
    token_hint = models.CharField(max_length=8)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Access token …{self.token_hint} for {self.project_id}"


class ScanQuerySet(TenantQuerySet):
    def active(self) -> Self:
        return self.filter(status__in=[Scan.Status.QUEUED, Scan.Status.RUNNING])

    def with_findings_by_severity(self) -> Self:
        """`findings_by_severity` from each report's summary (None until the scan has
        succeeded): what a list shows, without reading whole reports (tens of KB each)."""
        return self.annotate(
            findings_by_severity=KeyTransform(
                "findings_by_severity", KeyTransform("summary", "report")
            )
        )


ScanManager = models.Manager.from_queryset(ScanQuerySet)


class Scan(TenantOwnedModel):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        MANUAL = "manual", "Started by someone"
        SCHEDULE = "schedule", "Scheduled rescan"
        API = "api", "Started through the API"
        PUSH = "push", "Started by a push"

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="scans")
    repository_url = models.CharField(max_length=500)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The scan this one is compared with: the project's last successful one when queued.
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    failure_code = models.CharField(max_length=32, blank=True)
    failure_reason = models.CharField(max_length=1000, blank=True)
    commit_sha = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # A running scan holds a lease that its worker keeps extending; when the worker dies the
    # lease runs out, and a redelivered task or the sweeper may take the scan over.
    run_token = models.CharField(max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    requeues = models.PositiveSmallIntegerField(default=0)
    # How many times the scan reached its end. Anything but 0 or 1 would be a bug.
    completions = models.PositiveSmallIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    timings = models.JSONField(default=dict, blank=True)

    objects: ClassVar[ScanManager] = ScanManager()

    class Meta:
        constraints = [
            # At most one queued or running scan per engagement.
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(status__in=["queued", "running"]),
                name="scan_one_active_per_project",
            ),
            models.CheckConstraint(condition=Q(completions__lte=1), name="scan_completes_once"),
        ]
        indexes = [
            models.Index(
                fields=["agency", "project", "-created_at", "-id"], name="scan_project_order"
            ),
            models.Index(fields=["status", "lease_expires_at"], name="scan_status_lease"),
        ]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Scan {self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class ScanFinding(TenantOwnedModel):
    """One problem found at one place. Secrets appear only redacted, with a fingerprint."""

    scan = models.ForeignKey(Scan, on_delete=models.CASCADE, related_name="findings")
    rule_id = models.CharField(max_length=80)
    rule_title = models.CharField(max_length=200)
    category = models.CharField(max_length=40)
    severity = models.CharField(max_length=10)
    checklist_keys = models.JSONField(default=list)
    message = models.CharField(max_length=1000)
    path = models.CharField(max_length=1000, blank=True)
    line = models.PositiveIntegerField(null=True, blank=True)
    snippet = models.CharField(max_length=300, blank=True)
    fingerprint = models.CharField(max_length=80, blank=True)
    key = models.CharField(max_length=32, help_text="Stable across rescans (no line number).")
    # Why the engine believes it (which pattern, trigger or import); never the secret.
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["agency", "scan", "severity"], name="finding_scan_severity"),
            models.Index(fields=["agency", "scan", "key"], name="finding_scan_key"),
            # The findings list's sort key, unique (apps.core.api cursor pagination).
            models.Index(
                fields=["agency", "scan", "category", "rule_id", "path", "line", "id"],
                name="finding_scan_order",
            ),
        ]
        ordering = ["category", "rule_id", "path", "line"]

    def __str__(self) -> str:
        return f"{self.rule_id}: {self.message[:60]}"


class FindingTriage(TenantOwnedModel):
    """A person's decision about one finding of an engagement: a false positive, or a risk the
    agency accepts. Keyed on the finding's stable key (rule, path, fingerprint or message; no
    line number), not on a scan's row, so the decision holds on every rescan that finds the
    same thing again. Undoing it deletes the row; the audit log keeps the history."""

    class State(models.TextChoices):
        FALSE_POSITIVE = "false_positive", "False positive"
        ACCEPTED_RISK = "accepted_risk", "Accepted risk"

    REASON_MAX_LENGTH = 500

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="finding_triages"
    )
    key = models.CharField(max_length=32)
    rule_id = models.CharField(max_length=80)
    state = models.CharField(max_length=20, choices=State.choices)
    reason = models.CharField(max_length=REASON_MAX_LENGTH)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "key"], name="finding_triage_one_per_key"),
            models.CheckConstraint(
                condition=Q(state__in=["false_positive", "accepted_risk"]),
                name="finding_triage_state_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "project", "key"], name="finding_triage_project_key"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.key}: {self.state}"


class RepositoryWebhook(TenantOwnedModel):
    """An engagement's incoming push webhook: the unguessable id in its address and its
    secret, encrypted at rest (GitHub signs with the raw secret, so it cannot be hashed).
    `follow_up_requested_at`: a push arrived while a scan was running (it may have cloned
    before the push), so one more scan is queued when that one ends."""

    project = models.OneToOneField(
        "projects.Project", on_delete=models.CASCADE, related_name="repository_webhook"
    )
    public_id = models.CharField(max_length=32, unique=True)
    secret_encrypted = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    secret_rotated_at = models.DateTimeField(null=True, blank=True)
    follow_up_requested_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Push webhook for {self.project_id}"


class RepositoryPushDelivery(TenantOwnedModel):
    """One authenticated delivery to an engagement's push webhook and what came of it. Its id
    is unique per webhook: a delivery seen before is a replay, refused by the constraint.
    Only the newest SCAN_PUSH_DELIVERIES_KEPT per webhook are kept (the replay window)."""

    class Outcome(models.TextChoices):
        PING = "ping", "Ping received"
        QUEUED = "queued", "Rescan queued"
        ALREADY_QUEUED = "already_queued", "A rescan was already queued"
        FOLLOW_UP = "follow_up", "Rescan after the running one"
        IGNORED = "ignored", "Ignored"
        WRONG_REPOSITORY = "wrong_repository", "Refused: another repository"
        NOT_SCANNED = "not_scanned", "Refused: the address cannot be scanned"

    webhook = models.ForeignKey(
        RepositoryWebhook, on_delete=models.CASCADE, related_name="deliveries"
    )
    delivery_id = models.CharField(max_length=100)
    provider = models.CharField(max_length=10)
    event = models.CharField(max_length=40)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    detail = models.CharField(max_length=300, blank=True)
    commit_sha = models.CharField(max_length=64, blank=True)
    scan = models.ForeignKey(
        Scan, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["webhook", "delivery_id"], name="push_delivery_once_per_webhook"
            )
        ]
        indexes = [
            models.Index(
                fields=["agency", "webhook", "-created_at", "-id"], name="push_delivery_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.delivery_id} ({self.outcome})"
