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


class ResourceKind(models.TextChoices):
    COURSE = "course", _("课程")
    BOOK = "book", _("书籍")
    ARTICLE = "article", _("文章")
    VIDEO = "video", _("视频")
    DOCS = "docs", _("官方文档")
    PRACTICE = "practice", _("练习与项目")
    COMMUNITY = "community", _("社区")


class ResourceLanguage(models.TextChoices):
    CHINESE = "zh", _("中文")
    ENGLISH = "en", _("英文")
    OTHER = "other", _("其他")


class Frequency(models.TextChoices):
    IMMEDIATE = "immediate", _("有新岗位时立即通知")
    WEEKLY = "weekly", _("每周摘要")


class SubscriberStatus(models.TextChoices):
    PENDING = "pending", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    UNSUBSCRIBED = "unsubscribed", _("已退订")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    CANCELLED = "cancelled", _("已取消")


# The threshold facet's value for categories whose level the article omits.
UNSTATED = "unstated"
