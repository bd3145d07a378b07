using DataGuard.Diagnostics;
using DataGuard.Postgres.Drills;
using DataGuard.Postgres.Export;
using DataGuard.Postgres.Retention;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.Postgres.Diagnostics;

/// <summary>
/// Doctor checks of the configured data-protection features, before they run for real: the retention policies
/// compile against the catalog, the export subject data map builds (its warnings as hints), and the drill role may
/// create its scratch database. Features that are not configured are not checked.
/// </summary>
internal sealed class DataProtectionDoctorCheck(
    IOptions<RetentionOptions> retention,
    Func<RetentionRunner> runner,
    IOptions<ExportOptions> export,
    Func<SubjectExports> subjects,
    IOptions<DrillOptions> drills,
    DataGuardDataSource dataSource) : IDoctorCheck
{
    public string Name => "features";

    public int Order => 150;

    public async Task<IReadOnlyList<DoctorCheckResult>> RunAsync(CancellationToken cancellationToken = default)
    {
        var results = new List<DoctorCheckResult>();
        try
        {
            await RetentionAsync(results, cancellationToken).ConfigureAwait(false);
            await ExportAsync(results, cancellationToken).ConfigureAwait(false);
            await DrillAsync(results, cancellationToken).ConfigureAwait(false);
        }
        catch (OptionsValidationException ex)
        {
            results.Add(DoctorCheckResult.Fail(Name, "not checked: options are invalid", string.Join(" ", ex.Failures)));
        }

        return results;
    }

    private async Task RetentionAsync(List<DoctorCheckResult> results, CancellationToken cancellationToken)
    {
        var policies = retention.Value.Policies;
        if (policies.Count == 0)
        {
            return;
        }

        try
        {
            await runner().ValidateAsync(cancellationToken).ConfigureAwait(false);
            results.Add(DoctorCheckResult.Ok("retention", $"{policies.Count} policies match the catalog ({string.Join(", ", policies.Select(p => $"{p.Name}: {p.Action}"))})"));
        }
        catch (Exception ex) when (ex is DataGuardException or NpgsqlException)
        {
            results.Add(DoctorCheckResult.Fail("retention", ex.Message, "Fix the policy in DataGuard:Retention:Policies (docs/retention.md)."));
        }
    }

    private async Task ExportAsync(List<DoctorCheckResult> results, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(export.Value.Subject.Table))
        {
            return;
        }

        try
        {
            var exports = subjects();
            var map = await exports.MapAsync(cancellationToken).ConfigureAwait(false);
            var detail = $"subject {map.Subject.QualifiedName}.{map.Key.Name}: {map.Tables.Count} tables, {map.Tables.Sum(t => t.Redacted.Count)} columns redacted";
            if (map.ProbableLinks.Count == 0)
            {
                results.Add(map.Warnings.Count == 0
                    ? DoctorCheckResult.Ok("export", detail)
                    : new DoctorCheckResult("export", true, $"{detail}, {map.Warnings.Count} warnings", string.Join(" ", map.Warnings)));
                return;
            }

            // Probable links: the export is probably incomplete. Count what one sample subject would miss.
            var (_, rows) = await exports.ProbableLinkRowsAsync(map, null, cancellationToken).ConfigureAwait(false);
            var links = string.Join(", ", map.ProbableLinks.Select((p, i) => i < rows.Count ? $"{p.Name} ({rows[i]:N0} rows for a sample subject)" : p.Name));
            var hint = $"Declare each in DataGuard:Export:Links (or AddExportLink), or silence it in DataGuard:Export:Exclude (docs/export.md). {string.Join(" ", map.Warnings)}";
            results.Add(export.Value.Strict
                ? DoctorCheckResult.Fail("export", $"{detail}; Export:Strict refuses every export: probable links {links}", hint)
                : new DoctorCheckResult("export", true, $"{detail}; {map.ProbableLinks.Count} probable links not exported: {links}", hint));
        }
        catch (Exception ex) when (ex is DataGuardException or NpgsqlException)
        {
            results.Add(DoctorCheckResult.Fail("export", ex.Message, "Fix DataGuard:Export (docs/export.md); `dataguard export map` shows the map."));
        }
    }

    private async Task DrillAsync(List<DoctorCheckResult> results, CancellationToken cancellationToken)
    {
        var options = drills.Value;
        if (string.IsNullOrWhiteSpace(options.Schedule))
        {
            return;
        }

        var where = options.ServerConnectionString is { } configured ? PostgresTarget.Describe(configured) : "the protected database's server";
        try
        {
            // The drill server is the protected one unless a drill server is configured.
            var connection = options.ServerConnectionString is { } other
                ? new NpgsqlConnection(new NpgsqlConnectionStringBuilder(other) { Pooling = false }.ConnectionString)
                : await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            if (connection.State != System.Data.ConnectionState.Open)
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            }

            var server = new NpgsqlConnectionStringBuilder { Host = connection.Host, Port = connection.Port, Username = connection.UserName };
            var command = new NpgsqlCommand("SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user", connection);
            await using var commandScope = command.ConfigureAwait(false);
            var canCreate = (bool?)await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) == true;
            results.Add(canCreate
                ? DoctorCheckResult.Ok("drill", $"{options.Kind} drills on {server.Host}:{server.Port} may create their scratch database ({options.Schedule})")
                : DoctorCheckResult.Fail("drill", $"the role {server.Username} on {server.Host}:{server.Port} cannot create databases: restore drills will fail", "ALTER ROLE ... CREATEDB, or set DataGuard:Drills:ServerConnectionString to a drill server, or turn drills off with DataGuard:Drills:Schedule = \"\"."));
        }
        catch (NpgsqlException ex)
        {
            results.Add(DoctorCheckResult.Fail("drill", $"cannot connect to the drill server ({where}): {ex.Message}"));
        }
    }
}
