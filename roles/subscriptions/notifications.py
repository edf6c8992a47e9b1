"""Subscription emails and the delivery ledger.

The ledger (Delivery) is written first, one row per email owed (one per subscriber and role,
or per subscriber and digest week). Workers send it in batches:

1. Claim: one short statement picks up to CLAIM_BATCH pending, due rows (SELECT … FOR UPDATE
   SKIP LOCKED LIMIT n, skipping rows another worker holds), takes a PostgreSQL
   *session-level advisory lock* on each and leases them: their next_attempt_at moves
   DELIVERY_LEASE_SECONDS ahead, so they are not due for anyone else. No row lock or
   transaction stays open while mail is sent. The locks keep other workers off the rows while
   the worker's session lives (inside an outer transaction, before the lease is committed
   too). The lease outlives the session: when the database goes away just after a mail went
   out, every session and its locks go with it, and two workers come back with it. The lease
   keeps the other one from sending that mail again until this one has recorded it and given
   back the rest of its batch (record_unrecorded, first thing when it is back). A killed
   worker's unsent rows are due again when the lease ends, and the next run sends them
   (deliver() queues a run for then). After locking, the rows are read again: a row another
   worker marked SENT just before giving up its lock is no longer pending and is dropped.
2. Send: over one SMTP connection, opened once and kept for the whole run, each claimed row is
   rendered, sent, and marked SENT (or its failure recorded) in its own one-statement
   transaction, right after the SMTP server accepts it.
3. Release the batch's locks, claim the next batch (every row of the last one is sent,
   cancelled, or due for a retry: its lease no longer matters).

So a mail is sent at most once per delivery, except if a worker dies between the SMTP server
accepting a mail and the SENT update (a worker that only lost the database there remembers the
mail and records it when the database is back: record_unrecorded). That is the same window the
one-row-per-transaction ledger had (no ledger can close it; each mail's Message-ID,
`<delivery-PK@airoles>`, is stable, so a receiver can drop such a duplicate). Nothing is lost:
an unsent row stays pending. Inside an outer transaction (e.g. a test, or the immediate task
backend under ATOMIC_REQUESTS), the claims are transaction-level advisory locks instead,
released only when the SENT marks commit.

Rendering is shared: a role's mail is rendered once per role and language with placeholders
for the subscriber's two links, then each subscriber's links are put in (`build_message`); over
SMTP, it is even serialised once, and each subscriber's mail is those bytes with the subscriber's
values put in (`MailTemplate`).
"""

import datetime
import email.policy
import logging
import random
import re
import smtplib
import time
from email import base64mime
from email.headerregistry import HeaderRegistry, UnstructuredHeader
from email.utils import format_datetime

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, mailers
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import DatabaseError, transaction
from django.db import connection as db
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from roles.choices import DeliveryStatus, Frequency, SubscriberStatus
from roles.models import CompanyType, Delivery, RoleCategoryPage, RolePage, Subscriber

logger = logging.getLogger(__name__)
SALT = "roles.subscriptions"
BATCH = 1000
CLAIM_BATCH = 50  # deliveries claimed (and locked) at once by a sending worker
CLAIM_RETRIES = 5  # empty claims in a row, while unclaimed rows remain, before a worker stops
LOCK_NAMESPACE = 0x616972  # first key of the advisory locks that claim deliveries


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


# Placeholders for a subscriber's own links: a mail rendered once with them is personalised by
# replacing them (they contain nothing a template or a translation would escape or change).
LINK_PLACEHOLDERS = {
    "manage_url": "https://airoles.invalid/__manage_url__",
    "unsubscribe_url": "https://airoles.invalid/__unsubscribe_url__",
}


def render_mail(template, context):
    """A mail's text and HTML bodies rendered once, with placeholders for the subscriber's links;
    `build_message(…, rendered=…)` fills them in for each subscriber."""
    context = {**context, **LINK_PLACEHOLDERS}
    return (
        render_to_string(f"emails/{template}.txt", context),
        render_to_string(f"emails/{template}.html", context),
    )


def personalise(rendered, urls):
    """Bodies from render_mail() with a subscriber's own links put in."""
    text, html = rendered
    for name, placeholder in LINK_PLACEHOLDERS.items():
        text = text.replace(placeholder, urls[name])
        html = html.replace(placeholder, escape(urls[name]))
    return text, html


def compose(to, subject, text, html, urls, message_id=None):
    message = SubscriptionMail(
        subject=subject,
        body=text,
        to=[to],
        headers={
            # RFC 8058: mail clients may unsubscribe with one POST to this URL.
            "List-Unsubscribe": f"<{urls['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            **({"Message-ID": message_id} if message_id else {}),
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def build_message(subscriber, subject, template, context, message_id=None, rendered=None):
    """Render a mail; call it inside mail_language() so that the subject and the body agree.
    `rendered`: the bodies from render_mail() (for templates that do not use `subscriber`)."""
    urls = links(subscriber)
    if rendered is None:
        context = {**context, **urls, "subscriber": subscriber}
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    else:
        text, html = personalise(rendered, urls)
    return compose(subscriber.email, subject, text, html, urls, message_id)


# A plain address (dot-atom local part, plain domain): written in a header as it is, with nothing
# to quote or encode. Anything else goes through EmailMessage.
PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+")


class RawMail:
    """A mail as the bytes an SMTP server receives, with its envelope."""

    def __init__(self, sender, recipient, data):
        self.sender, self.recipient, self.data = sender, recipient, data


class MailTemplate:
    """A mail that differs between subscribers only in its recipient, Message-ID and the
    subscriber's two links, serialised once by compose() with ASCII stand-ins for them and for
    the two bodies; raw() puts one subscriber's values in and the bodies, base64-encoded. Building
    and serialising an EmailMessage per subscriber took about 45% of a sending worker's time
    (parsing and folding each header again); this takes a few percent. The result is the same
    mail (tests/test_subscriptions.py compares the two); only the bodies' transfer encoding may
    differ (base64 here, whatever the email package picks there)."""

    TO = "subscriber@airoles.invalid"
    MESSAGE_ID = "<delivery-0@airoles>"
    TEXT, HTML = "@@text@@", "@@html@@"

    def __init__(self, subject, rendered):
        self.subject, self.rendered = subject, rendered
        mail = compose(self.TO, subject, self.TEXT, self.HTML, LINK_PLACEHOLDERS, self.MESSAGE_ID)
        self.from_email = mail.from_email
        message = mail.message(policy=email.policy.SMTP)
        del message["Date"]  # each mail gets the time it is sent
        for part in message.iter_parts():
            part.replace_header("Content-Transfer-Encoding", "base64")
        self.data = message.as_bytes()
        self.sender = None

    def raw(self, mailer, address, urls, message_id):
        if self.sender is None:
            self.sender = mailer.prep_address(self.from_email)
        data = self.data
        for standin, value in [
            (self.TO, address),
            (self.MESSAGE_ID, message_id),
            (LINK_PLACEHOLDERS["unsubscribe_url"], urls["unsubscribe_url"]),
        ]:
            data = data.replace(standin.encode(), value.encode(), 1)
        bodies = personalise(self.rendered, urls)
        for standin, body in zip((self.TEXT, self.HTML), bodies, strict=True):
            canonical = "\r\n".join(body.splitlines()).encode() + b"\r\n"
            encoded = base64mime.body_encode(canonical, eol="\r\n").removesuffix("\r\n")
            data = data.replace(standin.encode(), encoded.encode(), 1)
        now = timezone.localtime() if settings.EMAIL_USE_LOCALTIME else timezone.now()
        date = f"Date: {format_datetime(now)}\r\n".encode()  # as EmailMessage writes it
        return RawMail(self.sender, address, date + data)


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
    Subscribers are streamed, never all loaded. Returns how many are owed."""
    subscribers = (
        Subscriber.objects.confirmed()
        .filter(frequency=Frequency.IMMEDIATE)
        .interested_in(role.category_id, [ct.pk for ct in role.company_types])
        .values_list("pk", flat=True)
        .iterator(chunk_size=BATCH)
    )
    return _insert(Delivery(subscriber_id=pk, role_id=role.pk) for pk in subscribers)


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
    """One pending digest delivery per confirmed weekly subscriber for this ISO week. Returns
    how many are owed."""
    key = week_key(today or timezone.localdate())
    subscribers = (
        Subscriber.objects.confirmed()
        .filter(frequency=Frequency.WEEKLY)
        .values_list("pk", flat=True)
        .iterator(chunk_size=BATCH)
    )
    return _insert(Delivery(subscriber_id=pk, digest=key) for pk in subscribers)


def _insert(deliveries):
    """Insert in batches; a delivery that already exists is left as it is. `deliveries` may
    stream from a server-side cursor, which must live inside a transaction that ends here.
    Returns how many were offered (new or not)."""
    count = 0
    with transaction.atomic():
        batch = []
        for delivery in deliveries:
            batch.append(delivery)
            if len(batch) == BATCH:
                Delivery.objects.bulk_create(batch, ignore_conflicts=True)
                count += len(batch)
                batch = []
        if batch:
            Delivery.objects.bulk_create(batch, ignore_conflicts=True)
            count += len(batch)
    return count


def role_message(delivery, cache, language=None, mailer=None):
    """The mail for a role delivery, or None if the role is no longer public. `cache` (a dict
    kept across a run) holds each role, and its mail rendered once per language. For an SMTP
    `mailer` and a plain address, the mail comes as a RawMail (see MailTemplate)."""
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
    with mail_language(language):
        key = (delivery.role_id, translation.get_language())
        if key not in cache:
            context = {"role": role, "role_url": absolute(role.url or "/")}
            subject = _("新岗位：%(role)s · AI岗位图谱") % {"role": role.title}
            cache[key] = MailTemplate(subject, render_mail("new_role", context))
        template = cache[key]
        subscriber = delivery.subscriber
        message_id = f"<delivery-{delivery.pk}@airoles>"
        if isinstance(mailer, SMTPBackend) and PLAIN_ADDRESS.fullmatch(subscriber.email):
            return template.raw(mailer, subscriber.email, links(subscriber), message_id)
        return build_message(
            subscriber,
            template.subject,
            "new_role",
            {},
            message_id=message_id,
            rendered=template.rendered,
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


# Pending, due rows that no other worker's session has claimed (holds an advisory lock on).
UNCLAIMED_SQL = """
    FROM {table} d
    WHERE d.status = %(pending)s AND d.next_attempt_at <= %(now)s
      AND NOT EXISTS (
          SELECT 1 FROM pg_locks l
          WHERE l.locktype = 'advisory' AND l.objsubid = 2 AND l.pid <> pg_backend_pid()
            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND l.classid::bigint = %(namespace)s AND l.objid::bigint = mod(d.id, 2147483647)
      )
"""
CLAIM_SQL = f"""
WITH candidates AS MATERIALIZED (
    SELECT d.id, d.next_attempt_at {UNCLAIMED_SQL}
    ORDER BY d.next_attempt_at, d.id
    LIMIT %(limit)s
    FOR UPDATE OF d SKIP LOCKED
), locked AS MATERIALIZED (
    SELECT id FROM candidates WHERE {{lock}}(%(namespace)s, mod(id, 2147483647)::integer)
)
UPDATE {{table}} SET next_attempt_at = %(lease_until)s
WHERE id IN (SELECT id FROM locked)
RETURNING id
"""


def _ledger_query(sql, lock=None, **params):
    """Run one of the SQL statements above on the ledger (`lock`: CLAIM_SQL's lock function);
    returns its rows."""
    sql = sql.format(table=db.ops.quote_name(Delivery._meta.db_table), lock=lock)
    params |= {
        "pending": DeliveryStatus.PENDING,
        "now": timezone.now(),
        "namespace": LOCK_NAMESPACE,
    }
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def claim_deliveries(size):
    """Claim up to `size` pending, due deliveries for this database session (see the module's
    docstring), lease them, and return their ids; release them with release_deliveries()."""
    until = timezone.now() + datetime.timedelta(seconds=settings.DELIVERY_LEASE_SECONDS)
    if db.vendor != "postgresql":  # one writer at a time (SQLite): nothing to lock
        ids = list(
            Delivery.objects.filter(
                status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now()
            )
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:size]
        )
        Delivery.objects.filter(pk__in=ids).update(next_attempt_at=until)
    else:
        lock = "pg_try_advisory_xact_lock" if db.in_atomic_block else "pg_try_advisory_lock"
        ids = [row[0] for row in _ledger_query(CLAIM_SQL, lock=lock, limit=size, lease_until=until)]
    _held.update(ids)
    return ids


def unclaimed_due():
    """Whether a pending, due delivery exists that no other worker has claimed."""
    if db.vendor != "postgresql":
        return False  # one writer at a time: an empty claim means there is nothing left
    return _ledger_query(f"SELECT EXISTS (SELECT 1 {UNCLAIMED_SQL})")[0][0]


def release_deliveries(ids):
    if ids and db.vendor == "postgresql" and not db.in_atomic_block:
        with db.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_unlock(%s, mod(id, 2147483647)::integer)"
                " FROM unnest(%s::bigint[]) AS id",
                [LOCK_NAMESPACE, list(ids)],
            )


def send_due_deliveries(limit=None):
    """Send pending deliveries that are due, in claimed batches over one SMTP connection (see
    the module's docstring); returns how many were sent. A failed send is retried later with
    exponential backoff, up to DELIVERY_MAX_ATTEMPTS."""
    mailer = mailers.default
    roles = {}
    sent = misses = 0
    started = time.monotonic()
    record_unrecorded()
    try:
        while limit is None or sent < limit:
            size = CLAIM_BATCH if limit is None else min(CLAIM_BATCH, limit - sent)
            ids = claim_deliveries(size)
            if not ids:
                # Two workers can pick the same candidates at the same instant; the one that
                # then loses every advisory lock gets nothing although rows remain. Try again
                # after a moment, unless nothing is left that another worker does not hold.
                misses += 1
                if misses > CLAIM_RETRIES or not unclaimed_due():
                    break
                time.sleep(random.uniform(0.005, 0.05))
                continue
            misses = 0
            try:
                # Read again once locked: a row sent by another worker is no longer pending.
                batch = (
                    Delivery.objects.select_related("subscriber")
                    .filter(pk__in=ids, status=DeliveryStatus.PENDING)
                    .order_by("next_attempt_at", "pk")
                )
                for delivery in batch:
                    sent += send_delivery(delivery, mailer, roles)
                _held.difference_update(ids)  # each sent, cancelled or due for a retry
            finally:
                release_deliveries(ids)
    finally:
        mailer.close()
    logger.info("sent %s deliveries in %.1f s", sent, time.monotonic() - started)
    return sent


def send_delivery(delivery, mailer, roles):
    """Send one claimed delivery and record the outcome (one UPDATE); returns 1 if sent."""
    if delivery.subscriber.status != SubscriberStatus.CONFIRMED:
        message = None
    else:
        message = (
            role_message(delivery, roles, mailer=mailer)
            if delivery.role_id
            else digest_message(delivery)
        )
    if message is None:  # unsubscribed, the role went offline, or the week had nothing new
        delivery.status = DeliveryStatus.CANCELLED
        delivery.save(update_fields=["status"])
        return 0
    delivery.attempts += 1
    try:
        mailer.open()  # once per run: the connection stays open between mails
        if isinstance(message, RawMail):
            mailer.connection.sendmail(message.sender, [message.recipient], message.data)
        else:
            mailer.send_messages([message])
    except (smtplib.SMTPException, OSError) as error:
        _record_failure(delivery, error)
        delivery.save(update_fields=["attempts", "status", "next_attempt_at", "last_error"])
        mailer.close()  # and reopened for the next mail
        return 0
    delivery.status = DeliveryStatus.SENT
    delivery.sent_at = timezone.now()
    try:
        delivery.save(update_fields=["attempts", "status", "sent_at"])
    except DatabaseError:
        _sent_unrecorded[delivery.pk] = (delivery.attempts, delivery.sent_at)
        raise
    return 1


# Deliveries this process sent whose SENT mark failed: the database went away between the SMTP
# server accepting the mail and the UPDATE. The ledger still says pending (leased to this
# process, so no other worker sends it meanwhile), and the mail would go out again once the
# lease is over. A worker that waits out the outage (task_worker) marks them first thing when
# it starts again, before it requeues or claims anything.
_sent_unrecorded = {}
# Deliveries this process claimed (and leased) and has not finished: a batch cut short by an
# error. record_unrecorded() gives back the ones still pending, due at once.
_held = set()


def record_unrecorded():
    """Mark SENT the deliveries this process sent while the database could not record it, and
    end the lease on the rest of a batch it could not finish."""
    for pk, (attempts, sent_at) in list(_sent_unrecorded.items()):
        Delivery.objects.filter(pk=pk, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.SENT, attempts=attempts, sent_at=sent_at
        )
        del _sent_unrecorded[pk]
    if _held:  # the sent ones among them are no longer pending
        Delivery.objects.filter(pk__in=_held, status=DeliveryStatus.PENDING).update(
            next_attempt_at=timezone.now()
        )
        _held.clear()


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
