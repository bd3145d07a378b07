namespace DataGuard.Postgres.Catalog;

/// <summary>A foreign key's ON DELETE rule.</summary>
internal enum PgDeleteRule
{
    /// <summary>NO ACTION: the delete fails while references remain.</summary>
    NoAction,

    /// <summary>RESTRICT: the delete fails while references remain.</summary>
    Restrict,

    /// <summary>CASCADE: referencing rows are deleted too.</summary>
    Cascade,

    /// <summary>SET NULL: referencing columns become NULL.</summary>
    SetNull,

    /// <summary>SET DEFAULT: referencing columns take their default.</summary>
    SetDefault,
}
