namespace DataGuard.Migrations;

/// <summary>The state of a migration in the ledger.</summary>
public enum MigrationState
{
    /// <summary>Applied and in force.</summary>
    Applied,

    /// <summary>Its up script failed and was rolled back.</summary>
    Failed,

    /// <summary>Rolled back by its down script.</summary>
    RolledBack,

    /// <summary>A no-transaction script failed midway: the schema is in an unknown state until resolved.</summary>
    Dirty,
}
