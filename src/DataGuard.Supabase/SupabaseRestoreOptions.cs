namespace DataGuard.Supabase;

/// <summary>Options of the section <c>DataGuard:Supabase:Restore</c>.</summary>
public sealed class SupabaseRestoreOptions
{
    /// <summary>
    /// Gets or sets a value indicating whether a restore into a database that lacks the API roles (<c>anon</c>,
    /// <c>authenticated</c>, <c>service_role</c>: a plain PostgreSQL) creates them as NOLOGIN roles first, so that grants
    /// and row-level security policies naming them restore. Needs CREATEROLE. Default: on.
    /// </summary>
    public bool CreateApiRoles { get; set; } = true;

    /// <summary>
    /// Gets or sets a value indicating whether rows are loaded into a Supabase target with
    /// <c>session_replication_role = replica</c> (triggers and foreign-key checks off during the load, as the Supabase
    /// CLI does) when the restoring role may set it. Default: on.
    /// </summary>
    public bool ReplicaSessionForData { get; set; } = true;
}
