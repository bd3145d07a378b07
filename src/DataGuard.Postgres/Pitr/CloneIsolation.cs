using System.Globalization;
using System.Text;
using DataGuard.Postgres.Tools;
using Npgsql;

namespace DataGuard.Postgres.Pitr;

/// <summary>
/// Keeps a restored copy of production (a <c>pitr restore</c> or a physical drill) from acting on the world the way
/// production does: it listens on 127.0.0.1 only, starts no logical replication worker (its subscriptions would
/// connect to their publishers and consume production's slots), loads no job scheduler (pg_cron would run
/// production's jobs, dblink and FDW calls included), does not wait for production's synchronous standbys, and once
/// promoted has its subscriptions disabled and detached from their slots (<c>slot_name = NONE</c>, so that dropping
/// one later never drops the publisher's slot). <c>archive_mode = off</c> is written for every copy, isolated or not.
/// </summary>
internal static class CloneIsolation
{
    /// <summary>Preloaded libraries that run scheduled jobs from background workers.</summary>
    private static readonly string[] Schedulers = ["pg_cron"];

    /// <summary>The settings appended to the copy's <c>postgresql.auto.conf</c> (read after every other file, so they win).</summary>
    public static async Task<(string Settings, IReadOnlyList<string> Summary)> SettingsAsync(PgTool pgCtl, string dataDirectory, CancellationToken cancellationToken)
    {
        var postgres = Path.Combine(Path.GetDirectoryName(pgCtl.Path)!, OperatingSystem.IsWindows() ? "postgres.exe" : "postgres");
        string preload;
        try
        {
            // The value the copy would start with, whichever file sets it (postgres -C reads the configuration only).
            preload = (await ServerUser.RunAsync(postgres, ["-D", dataDirectory, "-C", "shared_preload_libraries"], cancellationToken, asServerUser: true).ConfigureAwait(false)).Trim();
        }
        catch (DataGuardException ex)
        {
            throw new DataGuardException($"Cannot read the restored copy's shared_preload_libraries to keep job schedulers from starting: {ex.Message} Nothing was started; use --no-isolate (Drills:Isolate = false) to start it with production's settings.", ex) { Operation = "pitr.restore" };
        }

        var settings = new StringBuilder()
            .AppendLine("# Isolation of this copy from production's peers (dataguard pitr restore --no-isolate / Drills:Isolate = false leave it out)")
            .AppendLine("listen_addresses = '127.0.0.1'  # local connections only")
            .AppendLine("max_logical_replication_workers = 0  # subscriptions stay inert: they never connect to their publishers")
            .AppendLine("synchronous_standby_names = ''  # commits do not wait for production's standbys");
        List<string> summary = ["listens on 127.0.0.1 only", "no logical replication workers", "no synchronous standbys"];
        var kept = WithoutSchedulers(preload);
        if (!string.Equals(kept, preload, StringComparison.Ordinal))
        {
            settings.AppendLine(CultureInfo.InvariantCulture, $"shared_preload_libraries = {PgIdentifiers.ConfValue(kept)}  # job schedulers left out (was {preload.Replace('\n', ' ')})");
            summary.Add($"not loaded: {string.Join(", ", Schedulers)}");
        }

        return (settings.ToString(), summary);
    }

    /// <summary>A <c>shared_preload_libraries</c> list without the job schedulers, other libraries kept in order.</summary>
    /// <param name="libraries">The list, as PostgreSQL shows it.</param>
    /// <returns>The list without them.</returns>
    internal static string WithoutSchedulers(string libraries)
    {
        var items = libraries.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var kept = items.Where(item => !Schedulers.Contains(LibraryName(item), StringComparer.OrdinalIgnoreCase)).ToList();
        return kept.Count == items.Length ? libraries : string.Join(", ", kept);
    }

    /// <summary>
    /// Disables every subscription of the promoted copy and sets its <c>slot_name</c> to NONE (neither contacts the
    /// publisher), then checks that the copy runs isolated. Never throws for a subscription it may not alter: the
    /// returned problems say what is left.
    /// </summary>
    public static async Task<PitrIsolation> IsolateRunningAsync(NpgsqlConnectionStringBuilder server, IReadOnlyList<string> settings, bool promoted, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var disabled = 0;
        var subscriptions = await ListSubscriptionsAsync(server, cancellationToken).ConfigureAwait(false);
        if (promoted)
        {
            foreach (var database in subscriptions.GroupBy(s => s.Database, StringComparer.Ordinal))
            {
                var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = database.Key }.ConnectionString);
                await using var connectionScope = connection.ConfigureAwait(false);
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                foreach (var subscription in database)
                {
                    try
                    {
                        await DetachAsync(connection, subscription, cancellationToken).ConfigureAwait(false);
                        disabled++;
                    }
                    catch (PostgresException ex)
                    {
                        problems.Add($"subscription {subscription.Name} in database {subscription.Database} could not be disabled ({ex.SqlState}: {ex.MessageText}); it stays inert while max_logical_replication_workers = 0");
                    }
                }
            }
        }

        problems.AddRange(await VerifyAsync(server, promoted, cancellationToken).ConfigureAwait(false));
        return new PitrIsolation(settings, subscriptions.Count, disabled, problems);
    }

    private static string LibraryName(string item)
    {
        var name = item.Trim('"', '\'', ' ');
        name = name[(name.LastIndexOfAny(['/', '\\']) + 1)..];
        return name.EndsWith(".so", StringComparison.OrdinalIgnoreCase) ? name[..^3] : name;
    }

    private static async Task DetachAsync(NpgsqlConnection connection, Subscription subscription, CancellationToken cancellationToken)
    {
        var name = PgIdentifiers.Quote(subscription.Name);
        var statements = new List<string>();
        if (subscription.Enabled)
        {
            statements.Add($"ALTER SUBSCRIPTION {name} DISABLE");
        }

        if (subscription.HasSlot)
        {
            statements.Add($"ALTER SUBSCRIPTION {name} SET (slot_name = NONE)");
        }

        foreach (var sql in statements)
        {
            var command = new NpgsqlCommand(sql, connection);
            await using var commandScope = command.ConfigureAwait(false);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<List<Subscription>> ListSubscriptionsAsync(NpgsqlConnectionStringBuilder server, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(server.ConnectionString);
        await using var connectionScope = connection.ConfigureAwait(false);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);

        // pg_subscription is shared across databases; subconninfo (with its password) is neither needed nor read.
        var command = new NpgsqlCommand("SELECT d.datname, s.subname, s.subenabled, s.subslotname IS NOT NULL FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid ORDER BY 1, 2", connection);
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var list = new List<Subscription>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new Subscription(reader.GetString(0), reader.GetString(1), reader.GetBoolean(2), reader.GetBoolean(3)));
        }

        return list;
    }

    /// <summary>Reads back, from the running copy, that the isolation is in effect.</summary>
    private static async Task<List<string>> VerifyAsync(NpgsqlConnectionStringBuilder server, bool promoted, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(server.ConnectionString);
        await using var connectionScope = connection.ConfigureAwait(false);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        var command = new NpgsqlCommand(
            """
            SELECT current_setting('archive_mode'), current_setting('max_logical_replication_workers'), current_setting('listen_addresses'),
                   current_setting('shared_preload_libraries'),
                   (SELECT count(*) FROM pg_subscription WHERE subenabled),
                   (SELECT count(*) FROM pg_stat_activity WHERE backend_type IN ('logical replication launcher', 'logical replication worker'))
            """,
            connection);
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var problems = new List<string>();
        if (reader.GetString(0) != "off")
        {
            problems.Add($"archive_mode is {reader.GetString(0)}: this copy could archive into production's WAL archive");
        }

        if (reader.GetString(1) != "0" || reader.GetInt64(5) > 0)
        {
            problems.Add($"logical replication workers can run (max_logical_replication_workers = {reader.GetString(1)}, {reader.GetInt64(5)} running)");
        }

        if (reader.GetString(2) != "127.0.0.1")
        {
            problems.Add($"listen_addresses is '{reader.GetString(2)}'");
        }

        if (!string.Equals(WithoutSchedulers(reader.GetString(3)), reader.GetString(3), StringComparison.Ordinal))
        {
            problems.Add($"a job scheduler is loaded (shared_preload_libraries = '{reader.GetString(3)}')");
        }

        if (promoted && reader.GetInt64(4) > 0)
        {
            problems.Add($"{reader.GetInt64(4)} subscription(s) still enabled");
        }

        return problems;
    }

    private sealed record Subscription(string Database, string Name, bool Enabled, bool HasSlot);
}
