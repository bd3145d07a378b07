namespace DataGuard.Supabase.Database;

/// <summary>
/// The names the Supabase CLI's <c>supabase db dump</c> uses: the platform's schemas (left out of a dump's schema), those
/// whose rows it keeps, the platform's migration tables, and the reserved roles.
/// </summary>
internal static class SupabaseSchemas
{
    /// <summary>Schemas the platform and its extensions own (the CLI's exclusion list, timescale's schemas spelled out).</summary>
    public static readonly IReadOnlyList<string> Platform =
    [
        "_analytics", "_realtime", "_supavisor", "auth", "etl", "extensions", "pgbouncer", "realtime", "storage",
        "supabase_functions", "supabase_migrations", "cron", "dbdev", "graphql", "graphql_public", "net", "pgmq",
        "pgsodium", "pgsodium_masks", "pgtle", "repack", "tiger", "tiger_data", "topology", "vault",
        "timescaledb_information", "timescaledb_experimental", "_timescaledb_cache", "_timescaledb_catalog",
        "_timescaledb_config", "_timescaledb_internal", "_timescaledb_functions", "_timescaledb_debug",
    ];

    /// <summary>
    /// Platform schemas a backup keeps (definitions and rows): a user's sign-ups and Storage object rows are data. Their
    /// definitions are restored only where the target lacks them (a plain PostgreSQL); a Supabase target gets the rows.
    /// </summary>
    public static readonly IReadOnlyList<string> Kept = ["auth", "storage"];

    /// <summary>The platform's migration tables: the target's own versions stay, their rows are never restored.</summary>
    public static readonly IReadOnlyList<string> MigrationTables = ["auth.schema_migrations", "storage.migrations", "supabase_functions.migrations"];

    /// <summary>The roles the API uses; a plain target gets them (NOLOGIN) so that grants and policies naming them restore.</summary>
    public static readonly IReadOnlyList<string> ApiRoles = ["anon", "authenticated", "service_role"];

    /// <summary>Whether a role is one of the platform's reserved roles (never dumped, never recreated elsewhere).</summary>
    /// <param name="role">The role's name.</param>
    /// <returns>Whether it is reserved.</returns>
    public static bool IsReservedRole(string role) =>
        role is "anon" or "authenticated" or "authenticator" or "dashboard_user" or "pgbouncer" or "postgres" or "service_role" or "pgtle_admin"
        || role.StartsWith("supabase_", StringComparison.Ordinal)
        || role.StartsWith("cli_login_", StringComparison.Ordinal)
        || role.StartsWith("pgsodium_key", StringComparison.Ordinal);

    /// <summary>The schemas a backup leaves out: the platform's, except those it keeps.</summary>
    public static IEnumerable<string> ExcludedFromDump => Platform.Except(Kept, StringComparer.Ordinal);
}
