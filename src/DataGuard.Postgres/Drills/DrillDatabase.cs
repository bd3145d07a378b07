using Npgsql;

namespace DataGuard.Postgres.Drills;

/// <summary>The scratch database of a drill: exists, check, drop.</summary>
internal static class DrillDatabase
{
    public static async Task<bool> ExistsAsync(NpgsqlConnectionStringBuilder target, CancellationToken cancellationToken)
    {
        var admin = new NpgsqlConnectionStringBuilder(target.ConnectionString) { Database = "postgres", Pooling = false };
        var connection = new NpgsqlConnection(admin.ConnectionString);
        await using var connectionScope = connection.ConfigureAwait(false);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = @name)", connection);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.AddWithValue("name", target.Database!);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public static async Task<DrillCheckResult> CheckAsync(NpgsqlConnectionStringBuilder target, DrillCheckOptions check, CancellationToken cancellationToken)
    {
        try
        {
            var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(target.ConnectionString) { Pooling = false }.ConnectionString);
            await using var connectionScope = connection.ConfigureAwait(false);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var transactionScope = transaction.ConfigureAwait(false);
            var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", connection, transaction);
            await using (readOnly.ConfigureAwait(false))
            {
                await readOnly.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            var command = new NpgsqlCommand(check.Sql, connection, transaction);
            await using var commandScope = command.ConfigureAwait(false);
            var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            var text = DataGuard.Export.ExportValues.ToText(value) ?? "null";
            var passed = string.Equals(text, check.Expected, StringComparison.Ordinal);
            return new DrillCheckResult(check.Name, passed, passed ? $"= {text}" : $"expected {check.Expected}, got {text}");
        }
        catch (NpgsqlException ex)
        {
            return new DrillCheckResult(check.Name, false, $"failed: {ex.Message}");
        }
    }

    /// <summary>Drops the scratch database, after the guard says again that it is not production (and, for generated names, that it carries the drill prefix).</summary>
    public static async Task DropAsync(NpgsqlConnectionStringBuilder target, string production, string? requiredPrefix, CancellationToken cancellationToken)
    {
        DrillGuard.RequireNotProduction(new NpgsqlConnectionStringBuilder(production), target);
        if (requiredPrefix is not null && !target.Database!.StartsWith(requiredPrefix, StringComparison.Ordinal))
        {
            throw new DataGuardException($"Refusing to drop {target.Database}: not a drill database.") { Operation = "drill" };
        }

        var admin = new NpgsqlConnectionStringBuilder(target.ConnectionString) { Database = "postgres", Pooling = false };
        var connection = new NpgsqlConnection(admin.ConnectionString);
        await using var connectionScope = connection.ConfigureAwait(false);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {PgIdentifiers.Quote(target.Database!)} WITH (FORCE)", connection);
        await using var commandScope = command.ConfigureAwait(false);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
