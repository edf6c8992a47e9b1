"""Subscriptions: the subscribe and manage forms and views, signed tokens and mail
(notifications.py), the delivery ledger's upkeep, rate limits (ratelimit.py), tasks, the
publication signal (signals.py) and the subscribers' admin (wagtail_hooks.py)."""
