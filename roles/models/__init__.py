from .pages import RoleCategoryPage, RoleIndexPage, RolePage, RolePageQuerySet, ThresholdLevel
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
    "CompanyType",
    "RoleCategoryPage",
    "RoleCompanyType",
    "RoleIndexPage",
    "RolePage",
    "RolePageQuerySet",
    "RoleSkill",
    "Skill",
    "SkillLevel",
    "ThresholdLevel",
]
