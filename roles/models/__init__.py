"""The models: the page tree (pages.py), the vocabularies (taxonomy.py) and the subscribers with
their delivery ledger (subscriptions.py), re-exported here by name; their enums live in
roles.choices."""

from .pages import (
    CataloguePageQuerySet,
    RoleCategoryPage,
    RoleIndexPage,
    RolePage,
    RolePageQuerySet,
    ThresholdLevel,
)
from .subscriptions import (
    Delivery,
    DeliveryStatus,
    Frequency,
    Subscriber,
    SubscriberStatus,
)
from .taxonomy import (
    Background,
    CompanyType,
    ResourceKind,
    ResourceLanguage,
    RoleCompanyType,
    RoleSkill,
    Skill,
    SkillLevel,
    SkillResource,
)

__all__ = [
    "Background",
    "CataloguePageQuerySet",
    "CompanyType",
    "Delivery",
    "DeliveryStatus",
    "Frequency",
    "RoleCategoryPage",
    "RoleCompanyType",
    "RoleIndexPage",
    "RolePage",
    "RolePageQuerySet",
    "RoleSkill",
    "ResourceKind",
    "ResourceLanguage",
    "Skill",
    "SkillLevel",
    "SkillResource",
    "Subscriber",
    "SubscriberStatus",
    "ThresholdLevel",
]
