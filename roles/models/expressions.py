"""Query expressions the models' callers share."""

from django.core.exceptions import EmptyResultSet
from django.db.models import BooleanField, Expression, F


class AmongIds(Expression):
    """`field IN ids` as one parameter where the database takes an array (PostgreSQL:
    `field = ANY(%s)`), a placeholder per id elsewhere. A search for a common word narrows a
    large catalogue to thousands of ids, and each query of its page (the facets' counts, the
    roles shown) repeated them as thousands of parameters: Django prepared each one, psycopg
    wrote each into the statement and PostgreSQL parsed each. Use: `.filter(AmongIds("pk",
    ids))`."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, field, ids):
        super().__init__()
        self.lhs = F(field) if isinstance(field, str) else field
        self.ids = [int(pk) for pk in ids]

    def get_source_expressions(self):
        return [self.lhs]

    def set_source_expressions(self, exprs):
        (self.lhs,) = exprs

    def as_sql(self, compiler, connection):
        if not self.ids:
            raise EmptyResultSet
        lhs, params = compiler.compile(self.lhs)
        placeholders = ", ".join(["%s"] * len(self.ids))
        return f"{lhs} IN ({placeholders})", (*params, *self.ids)

    def as_postgresql(self, compiler, connection):
        lhs, params = compiler.compile(self.lhs)
        return f"{lhs} = ANY(%s)", (*params, self.ids)
