using DataGuard.Backup;
using Npgsql;

namespace DataGuard.Supabase.Database;

/// <summary>
/// What a Supabase connection string points at: the direct connection (<c>db.&lt;ref&gt;.supabase.co:5432</c>), the
/// session pooler (<c>&lt;region&gt;.pooler.supabase.com:5432</c>) or the transaction pooler (Supavisor, port 6543), which
/// gives every transaction any server connection: pg_dump's snapshot, session advisory locks and prepared statements
/// do not survive it.
/// </summary>
internal static class SupabaseConnection
{
    /// <summary>The transaction pooler's port.</summary>
    public const int TransactionPoolerPort = 6543;

    /// <summary>Whether the connection goes through the transaction pooler.</summary>
    /// <param name="connection">The connection.</param>
    /// <returns>Whether it does.</returns>
    public static bool IsTransactionPooler(NpgsqlConnectionStringBuilder connection) =>
        connection.Port == TransactionPoolerPort
        || (IsPoolerHost(connection.Host) && connection.Port != 5432);

    /// <summary>Whether the host is Supabase's shared pooler.</summary>
    /// <param name="host">The host (or comma-separated hosts).</param>
    /// <returns>Whether it is.</returns>
    public static bool IsPoolerHost(string? host) =>
        host?.Split(',').Any(h => h.Trim().EndsWith(".pooler.supabase.com", StringComparison.OrdinalIgnoreCase)) == true;

    /// <summary>The message that refuses the transaction pooler and says what to use instead; names host and port, never a password.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="what">What was refused, such as "DataGuard:Postgres:ConnectionString".</param>
    /// <returns>The message.</returns>
    public static string TransactionPoolerMessage(NpgsqlConnectionStringBuilder connection, string what) =>
        $"{what} points at {connection.Host}:{connection.Port}, Supabase's transaction pooler (Supavisor transaction mode, port {TransactionPoolerPort}). "
        + "It hands each transaction to any server connection, which breaks pg_dump's snapshot, pg_restore and DataGuard's session advisory locks. "
        + "Use the direct connection (Host=db.<project-ref>.supabase.co;Port=5432;Username=postgres) or, where there is no IPv6, "
        + "the session pooler (Host=<region>.pooler.supabase.com;Port=5432;Username=postgres.<project-ref>): Dashboard, Connect.";

    /// <summary>Refuses the transaction pooler for a backup or restore.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="operation">"backup" or "restore".</param>
    public static void Check(NpgsqlConnectionStringBuilder connection, string operation)
    {
        if (IsTransactionPooler(connection))
        {
            var what = operation == "restore" ? "The restore target" : "DataGuard:Postgres:ConnectionString";
            throw new BackupFailedException(TransactionPoolerMessage(connection, what)) { Operation = operation };
        }
    }
}
