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
    RoleCompanyType,
    RoleSkill,
    Skill,
    SkillLevel,
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
    "Skill",
    "SkillLevel",
    "Subscriber",
    "SubscriberStatus",
    "ThresholdLevel",
]
