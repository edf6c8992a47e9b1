from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from roles.choices import DeliveryStatus, Frequency, SubscriberStatus


def mailbox_of(email):
    """The mailbox an address reaches, for limits only: lower case, without a `+tag`
    (subaddress, RFC 5233), so that victim+1@example.com and Victim+2@example.com are one."""
    local, _at, domain = email.strip().lower().rpartition("@")
    return f"{local.split('+', 1)[0] or local}@{domain}"


class SubscriberQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(status=SubscriberStatus.CONFIRMED)

    def interested_in(self, category_id, company_type_ids):
        """Subscribers whose scope covers a role in this category at these company types: no
        scope at all, or the category, or one of the company types."""
        return self.filter(
            Q(categories__isnull=True, company_types__isnull=True)
            | Q(categories=category_id)
            | Q(company_types__in=list(company_type_ids))
        ).distinct()


class Subscriber(models.Model):
    """An email address that asked to hear about new roles (double opt-in, no account)."""

    email = models.EmailField(_("邮箱"), unique=True)
    categories = models.ManyToManyField(
        "roles.RoleCategoryPage", verbose_name=_("关注的类别"), blank=True, related_name="+"
    )
    company_types = models.ManyToManyField(
        "roles.CompanyType", verbose_name=_("关注的公司类型"), blank=True, related_name="+"
    )
    frequency = models.CharField(
        _("频率"), max_length=10, choices=Frequency.choices, default=Frequency.IMMEDIATE
    )
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=SubscriberStatus.choices,
        default=SubscriberStatus.PENDING,
        db_index=True,
    )
    created_at = models.DateTimeField(_("订阅时间"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("退订时间"), null=True, blank=True)
    # Limits how often a confirmation mail goes to one mailbox (no mail bombing through us).
    confirmation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The address as the limit counts it (mailbox_of); `email` stays as it was given.
    mailbox = models.CharField(max_length=254, db_index=True, editable=False, default="")

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        verbose_name = _("订阅者")
        verbose_name_plural = _("订阅者")
        ordering = ["-created_at"]

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        self.mailbox = mailbox_of(self.email)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "email" in update_fields:
            kwargs["update_fields"] = {*update_fields, "mailbox"}
        super().save(*args, **kwargs)

    def scope_label(self):
        names = [c.title for c in self.categories.all()] + [
            ct.name for ct in self.company_types.all()
        ]
        return "、".join(names) or str(_("全部岗位"))

    scope_label.short_description = _("范围")


class Delivery(models.Model):
    """The ledger: one row per email owed to a subscriber, about one role or one digest.

    Rows are created once (unique constraints) and sent by workers that each lock the row they
    send (SELECT … FOR UPDATE SKIP LOCKED), so that nothing is sent twice or lost.
    """

    # Not content: Wagtail would otherwise record each row's links to its role and subscriber in
    # its reference index (the admin's "usage"), one task per save, and a row is saved at least
    # twice (queued, sent). That was a third of the time a mail took to send.
    wagtail_reference_index_ignore = True

    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("订阅者")
    )
    role = models.ForeignKey(
        "roles.RolePage",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("岗位"),
    )
    digest = models.CharField(_("摘要期"), max_length=20, blank=True)  # ISO week, e.g. 2026-W48
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), default=timezone.now)
    last_error = models.TextField(_("最近的错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("投递记录")
        verbose_name_plural = _("投递记录")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "role"],
                condition=Q(role__isnull=False),
                name="one_delivery_per_subscriber_and_role",
            ),
            models.UniqueConstraint(
                fields=["subscriber", "digest"],
                condition=~Q(digest=""),
                name="one_delivery_per_subscriber_and_digest",
            ),
            models.CheckConstraint(
                condition=Q(role__isnull=False, digest="") | Q(role__isnull=True) & ~Q(digest=""),
                name="delivery_is_about_a_role_or_a_digest",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self):
        return f"{self.subscriber} · {self.role or self.digest}"
