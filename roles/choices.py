"""The catalogue's enumerations, in one module that imports no models, so forms, filters, the
data file and the API can use them without loading (or cycling through) roles.models."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ThresholdLevel(models.TextChoices):
    HIGH = "high", _("较高")
    FAIRLY_HIGH = "fairly_high", _("相对较高")
    MODERATE = "moderate", _("适中")


class SkillLevel(models.TextChoices):
    ESSENTIAL = "essential", _("必备")
    PREFERRED = "preferred", _("优先")
