using Npgsql;

namespace DataGuard.Postgres.Retention;

/// <summary>A legal hold's value, parsed by PostgreSQL in the held column's own type.</summary>
internal static class HoldValue
{
    /// <summary>
    /// Parses <paramref name="value"/> as <paramref name="type"/> and returns its canonical text (what the type prints:
    /// <c>042</c> becomes <c>42</c>, an upper-case uuid lower-case), or the reason it cannot be held: it does not parse,
    /// or the type has no equality to compare it with.
    /// </summary>
    public static async Task<(string? Canonical, string? Error)> TryCanonicalAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string value, string type, CancellationToken cancellationToken)
    {
        // The type comes from format_type() of the catalog, never from input.
        var command = new NpgsqlCommand($"SELECT (@v::{type})::text, (@v::{type} = @v::{type})", connection, transaction);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.AddWithValue("v", value);
        try
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            return reader.IsDBNull(0) ? (null, "the value is null") : (reader.GetString(0), null);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedFunction)
        {
            return (null, $"the type {type} has no equality operator, so rows cannot be compared with a held value ({ex.SqlState}); hold another column");
        }
        catch (PostgresException ex) when (ex.SqlState.StartsWith("22", StringComparison.Ordinal))
        {
            return (null, $"it is not a valid {type} ({ex.SqlState}: {ex.MessageText})");
        }
    }
}
