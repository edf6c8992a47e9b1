"""Subscription emails and the delivery ledger.

The ledger (Delivery) is written first, one row per email owed, and rows are sent one per
transaction under SELECT … FOR UPDATE SKIP LOCKED: two workers never take the same row, and a
worker killed mid-send leaves its row pending (its transaction rolls back) for the next run.
"""

import datetime
import email.policy
import logging
import smtplib
from email.headerregistry import HeaderRegistry, UnstructuredHeader

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import (
    CompanyType,
    Delivery,
    DeliveryStatus,
    Frequency,
    RoleCategoryPage,
    RolePage,
    Subscriber,
    SubscriberStatus,
)

logger = logging.getLogger(__name__)
SALT = "roles.subscriptions"
BATCH = 1000


# Signed links: no password, no account.


def confirmation_state(subscriber):
    """A digest of everything that changes once a confirmation link is used or superseded: the
    status (confirmed, unsubscribed), when the latest confirmation mail was sent, when the address
    was confirmed or left. A confirm link carries it, so it works once, and only until a newer
    link is sent or the subscriber unsubscribes."""

    def stamp(moment):
        return "" if moment is None else str(int(moment.timestamp() * 1_000_000))

    state = "|".join(
        [
            str(subscriber.pk),
            subscriber.email,
            subscriber.status,
            stamp(subscriber.confirmation_sent_at),
            stamp(subscriber.confirmed_at),
            stamp(subscriber.unsubscribed_at),
        ]
    )
    return salted_hmac(SALT + ".confirm", state, algorithm="sha256").hexdigest()[:20]


def make_token(subscriber, action):
    if action == "confirm":  # single-use: bound to the state (and no address in the URL)
        return signing.dumps(
            {"s": subscriber.pk, "a": action, "v": confirmation_state(subscriber)}, salt=SALT
        )
    return signing.dumps({"s": subscriber.pk, "e": subscriber.email, "a": action}, salt=SALT)


def read_token(token, action, max_age=None, *, for_update=False):
    """The subscriber a link was made for, or None if it is forged, expired or stale. A confirm
    link is stale once used, once a newer one was sent, or after unsubscribing. `for_update`
    locks the subscriber's row (inside a transaction)."""
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(data, dict) or data.get("a") != action or not isinstance(data.get("s"), int):
        return None
    subscribers = Subscriber.objects.select_for_update() if for_update else Subscriber.objects
    if action != "confirm":
        return subscribers.filter(pk=data["s"], email=data.get("e")).first()
    subscriber = subscribers.filter(pk=data["s"], status=SubscriberStatus.PENDING).first()
    if subscriber is None or not constant_time_compare(
        str(data.get("v")), confirmation_state(subscriber)
    ):
        return None
    return subscriber


def absolute(path):
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def links(subscriber):
    return {
        "manage_url": absolute(
            reverse("subscription_manage", args=[make_token(subscriber, "manage")])
        ),
        "unsubscribe_url": absolute(
            reverse("unsubscribe", args=[make_token(subscriber, "unsubscribe")])
        ),
    }


def mail_language(language=None):
    """Mails are written in `language` if it is one of the site's, else in the default language
    (Chinese): the interface language active in a request or worker says nothing about the
    reader. Subscribers have no language of their own; only the confirmation mail, sent in
    answer to a form, knows the language it was asked in."""
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    return translation.override(language)


class LiteralHeader(UnstructuredHeader):
    """An ASCII header written on one line as it is. Python's email policies fold a header whose
    one word (here a long URL) does not fit in 78 characters by turning it into RFC 2047
    encoded-words (`=?utf-8?q?=3Chttps=3A//…`), which mail clients do not read as a URL in
    List-Unsubscribe (RFC 2369, 8058). RFC 5322 allows lines up to 998 characters."""

    def fold(self, *, policy):
        line = f"{self.name}: {self}"
        if not str(self).isascii() or len(line) > 998:
            return super().fold(policy=policy)
        return line + policy.linesep


LIST_HEADERS = HeaderRegistry()
LIST_HEADERS.map_to_type("list-unsubscribe", LiteralHeader)
LIST_HEADERS.map_to_type("list-unsubscribe-post", LiteralHeader)


class SubscriptionMail(EmailMultiAlternatives):
    """A subscription mail: its List-Unsubscribe headers are written literally, whatever the
    policy the sending backend asks for (SMTP, file, console)."""

    def message(self, *, policy=email.policy.default):
        return super().message(policy=policy.clone(header_factory=LIST_HEADERS))


def build_message(subscriber, subject, template, context, message_id=None):
    """Render a mail; call it inside mail_language() so that the subject and the body agree."""
    context = {**context, **links(subscriber), "subscriber": subscriber}
    message = SubscriptionMail(
        subject=subject,
        body=render_to_string(f"emails/{template}.txt", context),
        to=[subscriber.email],
        headers={
            # RFC 8058: mail clients may unsubscribe with one POST to this URL.
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            **({"Message-ID": message_id} if message_id else {}),
        },
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    return message


# Confirmation (double opt-in).


def record_subscription(email, frequency, category_ids=(), company_type_ids=()):
    """The subscriber a subscribe form asked for, created if new. Until the address is
    confirmed, the latest request decides its scope; a confirmed one is not re-scoped by a
    stranger. Runs in a task: the form's answer never depends on the address being known."""
    with transaction.atomic():
        subscriber, _created = Subscriber.objects.select_for_update().get_or_create(email=email)
        if subscriber.status != SubscriberStatus.CONFIRMED:
            subscriber.status = SubscriberStatus.PENDING
            subscriber.frequency = frequency
            subscriber.save()
            subscriber.categories.set(RoleCategoryPage.objects.filter(pk__in=category_ids))
            subscriber.company_types.set(CompanyType.objects.filter(pk__in=company_type_ids))
    return subscriber


def claim_confirmation(subscriber):
    """The moment this subscriber's confirmation mail may go out, or None if one went to its
    mailbox (any +tag, any case: mailbox_of) in the last SUBSCRIBE_RESEND_SECONDS. The mailbox's
    rows are locked in pk order, so two workers never both send to one mailbox; call it after the
    subscriber's own row is committed, so that a concurrent claim sees it."""
    now = timezone.now()
    recently = now - datetime.timedelta(seconds=settings.SUBSCRIBE_RESEND_SECONDS)
    with transaction.atomic():
        sent = (
            Subscriber.objects.select_for_update()
            .filter(mailbox=subscriber.mailbox)
            .order_by("pk")
            .values_list("confirmation_sent_at", flat=True)
        )
        if any(moment is not None and moment > recently for moment in sent):
            return None
        Subscriber.objects.filter(pk=subscriber.pk).update(confirmation_sent_at=now)
    return now


def send_confirmation(subscriber, language=None):
    """Mail the confirmation link, at most once every SUBSCRIBE_RESEND_SECONDS per mailbox.
    A confirmed address gets its preferences link instead. Returns whether a mail went out."""
    sent_at = claim_confirmation(subscriber)
    if sent_at is None:
        return False
    subscriber.confirmation_sent_at = sent_at  # the confirm link is bound to it
    with mail_language(language):
        if subscriber.status == SubscriberStatus.CONFIRMED:
            subject, template, context = _("你的订阅设置 · AI岗位图谱"), "already_subscribed", {}
        else:
            confirm_url = absolute(
                reverse("subscription_confirm", args=[make_token(subscriber, "confirm")])
            )
            subject, template = _("请确认订阅 · AI岗位图谱"), "confirm"
            days = settings.SUBSCRIBE_CONFIRM_MAX_AGE // 86400
            context = {"confirm_url": confirm_url, "days": days}
        message = build_message(subscriber, subject, template, context)
    mailers.default.send_messages([message])
    return True


# The ledger.


def is_first_publication(role):
    """Wagtail sets first_published_at once, on the first publication, to the same moment as
    last_published_at; later publications only move last_published_at."""
    return role.first_published_at is not None and role.first_published_at == (
        role.last_published_at
    )


def create_role_deliveries(role):
    """One pending delivery per confirmed, immediate subscriber whose scope covers `role`.
    Subscribers are streamed, never all loaded."""
    subscribers = (
        Subscriber.objects.confirmed()
        .filter(frequency=Frequency.IMMEDIATE)
        .interested_in(role.category_id, [ct.pk for ct in role.company_types])
        .values_list("pk", flat=True)
        .iterator(chunk_size=BATCH)
    )
    _insert(Delivery(subscriber_id=pk, role_id=role.pk) for pk in subscribers)


def week_key(day):
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def digest_roles(subscriber, since):
    roles = RolePage.objects.visible().filter(first_published_at__gte=since)
    categories = list(subscriber.categories.values_list("pk", flat=True))
    company_types = list(subscriber.company_types.values_list("pk", flat=True))
    if categories or company_types:
        roles = roles.filter(
            pk__in=RolePage.objects.filter(category__in=categories).values("pk")
        ) | roles.filter(company_type_links__company_type__in=company_types)
    return roles.distinct().select_related("category").order_by("-first_published_at")


def create_digest_deliveries(today=None):
    """One pending digest delivery per confirmed weekly subscriber for this ISO week."""
    key = week_key(today or timezone.localdate())
    subscribers = (
        Subscriber.objects.confirmed()
        .filter(frequency=Frequency.WEEKLY)
        .values_list("pk", flat=True)
        .iterator(chunk_size=BATCH)
    )
    _insert(Delivery(subscriber_id=pk, digest=key) for pk in subscribers)


def _insert(deliveries):
    """Insert in batches; a delivery that already exists is left as it is. `deliveries` may
    stream from a server-side cursor, which must live inside a transaction that ends here."""
    with transaction.atomic():
        batch = []
        for delivery in deliveries:
            batch.append(delivery)
            if len(batch) == BATCH:
                Delivery.objects.bulk_create(batch, ignore_conflicts=True)
                batch = []
        if batch:
            Delivery.objects.bulk_create(batch, ignore_conflicts=True)


def role_message(delivery, cache, language=None):
    if delivery.role_id not in cache:
        # Offline or made private since it was queued: not sent (the delivery is cancelled).
        cache[delivery.role_id] = (
            RolePage.objects.visible()
            .select_related("category")
            .filter(pk=delivery.role_id)
            .first()
        )
    role = cache[delivery.role_id]
    if role is None:
        return None
    context = {"role": role, "role_url": absolute(role.url or "/")}
    with mail_language(language):
        return build_message(
            delivery.subscriber,
            _("新岗位：%(role)s · AI岗位图谱") % {"role": role.title},
            "new_role",
            context,
            message_id=f"<delivery-{delivery.pk}@airoles>",
        )


def digest_message(delivery, language=None):
    year, week = delivery.digest.split("-W")
    monday = datetime.date.fromisocalendar(int(year), int(week), 1)
    since = timezone.make_aware(datetime.datetime.combine(monday, datetime.time.min))
    since -= datetime.timedelta(days=7)
    roles = list(digest_roles(delivery.subscriber, since))
    if not roles:
        return None
    context = {
        "roles": [(role, absolute(role.url or "/")) for role in roles],
        "week": delivery.digest,
    }
    with mail_language(language):
        subject = ngettext(
            "本周新岗位（%(count)s 个）· AI岗位图谱",
            "本周新岗位（%(count)s 个）· AI岗位图谱",
            len(roles),
        ) % {"count": len(roles)}
        return build_message(
            delivery.subscriber,
            subject,
            "digest",
            context,
            message_id=f"<delivery-{delivery.pk}@airoles>",
        )


def send_due_deliveries(limit=None):
    """Send pending deliveries that are due, one per transaction; returns how many were sent.
    A failed send is retried later with exponential backoff, up to DELIVERY_MAX_ATTEMPTS."""
    connection = mailers.default
    roles = {}
    sent = 0
    try:
        while limit is None or sent < limit:
            with transaction.atomic():
                delivery = (
                    Delivery.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("subscriber")
                    .filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now())
                    .order_by("next_attempt_at", "pk")
                    .first()
                )
                if delivery is None:
                    break
                if delivery.subscriber.status != SubscriberStatus.CONFIRMED:
                    delivery.status = DeliveryStatus.CANCELLED
                    delivery.save(update_fields=["status"])
                    continue
                message = (
                    role_message(delivery, roles) if delivery.role_id else digest_message(delivery)
                )
                if message is None:  # the role went offline, or the week had nothing new
                    delivery.status = DeliveryStatus.CANCELLED
                    delivery.save(update_fields=["status"])
                    continue
                delivery.attempts += 1
                try:
                    connection.send_messages([message])
                except (smtplib.SMTPException, OSError) as error:
                    _record_failure(delivery, error)
                    connection.close()
                else:
                    delivery.status = DeliveryStatus.SENT
                    delivery.sent_at = timezone.now()
                    sent += 1
                delivery.save()
    finally:
        connection.close()
    return sent


def _record_failure(delivery, error):
    delivery.last_error = f"{type(error).__name__}: {error}"[:1000]
    if delivery.attempts >= settings.DELIVERY_MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
    else:
        delay = settings.DELIVERY_RETRY_SECONDS * 2 ** (delivery.attempts - 1)
        delivery.next_attempt_at = timezone.now() + datetime.timedelta(seconds=delay)
    logger.warning("delivery %s failed (attempt %s): %s", delivery.pk, delivery.attempts, error)


def next_retry():
    """When the earliest pending delivery falls due, or None."""
    return (
        Delivery.objects.filter(status=DeliveryStatus.PENDING)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )


def unsubscribe(subscriber):
    with transaction.atomic():
        Subscriber.objects.filter(pk=subscriber.pk).update(
            status=SubscriberStatus.UNSUBSCRIBED, unsubscribed_at=timezone.now()
        )
        Delivery.objects.filter(subscriber=subscriber, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.CANCELLED
        )
