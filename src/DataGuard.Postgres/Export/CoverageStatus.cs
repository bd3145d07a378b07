namespace DataGuard.Postgres.Export;

/// <summary>What the subject data map did with a table.</summary>
internal enum CoverageStatus
{
    /// <summary>Exported: linked to the subject through foreign keys or configured links.</summary>
    Included,

    /// <summary>Not exported, on purpose: by a rule (<c>Export:ExcludeTables</c>, <c>Export:Exclude</c>, DataGuard's own schema).</summary>
    Excluded,

    /// <summary>Not exported, but it has a column named and typed like the subject's key that nothing declares or silences.</summary>
    ProbableLink,

    /// <summary>Not exported: nothing links it to the subject and no column looks like a reference to it.</summary>
    NotLinked,
}
