"""The editors' side: groups and the moderation workflow (setup.py), taxonomy upkeep and term
merges (terms.py), the admin's import/export and merge views (views.py), the role editor's form
(forms.py) and panels (panels.py), and the admin hooks and dashboard (wagtail_hooks.py).

forms.py and panels.py are named by roles.models.pages, so they import no models."""
