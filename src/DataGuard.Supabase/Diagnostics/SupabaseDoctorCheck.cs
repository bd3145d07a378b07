using DataGuard.Diagnostics;
using DataGuard.Postgres;
using DataGuard.Supabase.Database;
using DataGuard.Supabase.Management;
using DataGuard.Supabase.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.Supabase.Diagnostics;

/// <summary>
/// <c>dataguard doctor</c> for Supabase: which connection the database is reached through (the transaction pooler
/// fails), whether the preset is on for a database that looks like Supabase, whether the role can dump every row
/// (BYPASSRLS), the Management API (the token accepted, the project healthy) and the Storage endpoint.
/// </summary>
internal sealed class SupabaseDoctorCheck(
    IOptions<PostgresOptions> postgres,
    IOptions<SupabaseOptions> options,
    DataGuardDataSource dataSource,
    SupabasePlatformStatus platform,
    ILogger<SupabaseDoctorCheck> logger) : IDoctorCheck
{
    public string Name => "supabase";

    public int Order => 160;

    public async Task<IReadOnlyList<DoctorCheckResult>> RunAsync(CancellationToken cancellationToken = default)
    {
        var results = new List<DoctorCheckResult> { Connection() };
        results.Add(await DatabaseAsync(cancellationToken).ConfigureAwait(false));
        if (platform.IsConfigured)
        {
            try
            {
                var report = await platform.GetAsync(cancellationToken).ConfigureAwait(false);
                var detail = $"project {report.ProjectRef} {report.ProjectStatus}, PITR {(report.PitrEnabled ? "on" : "off")}{(report.PitrAddon is null ? string.Empty : $" ({report.PitrAddon})")}, {report.CompletedBackups} completed platform backups";
                results.Add(report.Healthy
                    ? DoctorCheckResult.Ok("supabase api", detail)
                    : DoctorCheckResult.Fail("supabase api", $"{detail}: {string.Join("; ", report.Problems)}"));
            }
            catch (SupabaseApiException ex)
            {
                results.Add(DoctorCheckResult.Fail("supabase api", ex.Message));
            }
        }

        var storage = options.Value.Storage;
        if (!string.IsNullOrEmpty(storage.Endpoint) || !string.IsNullOrEmpty(storage.RestUrl))
        {
            try
            {
                using var store = SupabaseStorageCopies.Open(storage, logger);
                var buckets = await store.ListBucketsAsync(cancellationToken).ConfigureAwait(false);
                var missing = storage.Buckets.Except(buckets, StringComparer.Ordinal).ToList();
                results.Add(missing.Count == 0
                    ? DoctorCheckResult.Ok("supabase storage", $"{store.Describe}: {buckets.Count} buckets{(storage.Buckets.Count == 0 ? " (all copied)" : $", {storage.Buckets.Count} configured")}")
                    : DoctorCheckResult.Fail("supabase storage", $"{store.Describe}: no bucket {string.Join(", ", missing)}", "Fix DataGuard:Supabase:Storage:Buckets."));
            }
            catch (Exception ex) when (ex is DataGuardException or Amazon.Runtime.AmazonServiceException or HttpRequestException)
            {
                results.Add(DoctorCheckResult.Fail("supabase storage", ex.Message));
            }
        }

        return results;
    }

    private DoctorCheckResult Connection()
    {
        var builder = new NpgsqlConnectionStringBuilder(postgres.Value.ConnectionString);
        if (SupabaseConnection.IsTransactionPooler(builder))
        {
            return DoctorCheckResult.Fail("supabase connection", SupabaseConnection.TransactionPoolerMessage(builder, "DataGuard:Postgres:ConnectionString"));
        }

        var kind = SupabaseConnection.IsPoolerHost(builder.Host) ? "session pooler" : builder.Host?.EndsWith(".supabase.co", StringComparison.OrdinalIgnoreCase) == true ? "direct connection" : "connection";
        return DoctorCheckResult.Ok("supabase connection", $"{kind} {builder.Host}:{builder.Port} (pg_dump and session advisory locks work through it)");
    }

    private async Task<DoctorCheckResult> DatabaseAsync(CancellationToken cancellationToken)
    {
        try
        {
            var connection = await dataSource.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            var command = new NpgsqlCommand("SELECT to_regclass('auth.users') IS NOT NULL, rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user", connection);
            await using var commandScope = command.ConfigureAwait(false);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var looksSupabase = reader.GetBoolean(0);
            var bypassesRls = reader.GetBoolean(1);
            var preset = string.Equals(postgres.Value.Dump.Preset, SupabaseDumpProfile.PresetName, StringComparison.OrdinalIgnoreCase);
            if (looksSupabase && !preset)
            {
                return DoctorCheckResult.Fail("supabase preset", "the database has Supabase's auth schema but DataGuard:Postgres:Dump:Preset is not Supabase: its backups will not restore outside this project", "Remove the empty Preset, or set it to Supabase.");
            }

            if (!bypassesRls)
            {
                return DoctorCheckResult.Fail("supabase preset", $"role {connection.UserName} has neither SUPERUSER nor BYPASSRLS: pg_dump refuses tables with row-level security it does not own", "Back up as the project's postgres role (it has BYPASSRLS).");
            }

            return DoctorCheckResult.Ok("supabase preset", preset ? "Supabase preset on: platform schemas left out, auth and storage rows kept" : "database without Supabase's auth schema; Supabase preset off");
        }
        catch (NpgsqlException ex)
        {
            return DoctorCheckResult.Fail("supabase preset", $"cannot read the database: {ex.Message}");
        }
    }
}
