using Npgsql;

namespace DataGuard.Postgres.Retention;

/// <summary>A legal hold's value, parsed by PostgreSQL in the held column's own type.</summary>
internal static class HoldValue
{
    /// <summary>
    /// Parses <paramref name="value"/> as <paramref name="type"/> and returns its canonical text (what the type prints
    /// under the retention session's settings: <c>042</c> becomes <c>42</c>, an upper-case uuid lower-case), or the reason
    /// it cannot be held. A type without an equality operator (json, xml, point) is compared as text: the value must
    /// parse, and is kept as the type prints it.
    /// </summary>
    public static async Task<(string? Canonical, string? Error, bool TextCompare)> TryCanonicalAsync(NpgsqlConnection connection, string value, string type, CancellationToken cancellationToken)
    {
        try
        {
            return (await ScalarAsync(connection, $"SELECT (@v::{type})::text", value, cancellationToken).ConfigureAwait(false) as string ?? throw new InvalidOperationException("null"), null, !await HasEqualityAsync(connection, null, type, cancellationToken).ConfigureAwait(false));
        }
        catch (PostgresException ex) when (ex.SqlState.StartsWith("22", StringComparison.Ordinal) || ex.SqlState.StartsWith("23", StringComparison.Ordinal))
        {
            return (null, $"it is not a valid {type} ({ex.SqlState}: {ex.MessageText})", false);
        }
    }

    /// <summary>
    /// Whether values of <paramref name="type"/> can be compared with <c>=</c>, from the catalog (so that it can run inside a
    /// transaction without failing it): an operator on the type (or its domain's base type), on a type it is binary
    /// coercible to (varchar through text), or the polymorphic ones of arrays, enums and ranges.
    /// </summary>
    public static async Task<bool> HasEqualityAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string type, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(
            """
            WITH t AS (SELECT CASE WHEN typtype = 'd' THEN typbasetype ELSE oid END AS oid FROM pg_type WHERE oid = @type::regtype),
                 k AS (SELECT t.oid, p.typtype, p.typcategory FROM t JOIN pg_type p ON p.oid = t.oid)
            SELECT EXISTS (
              SELECT 1 FROM pg_operator o, k WHERE o.oprname = '=' AND (
                (o.oprleft = k.oid AND o.oprright = k.oid)
                OR (o.oprleft = o.oprright AND EXISTS (SELECT 1 FROM pg_cast c WHERE c.castsource = k.oid AND c.casttarget = o.oprleft AND c.castmethod = 'b'))
                OR (o.oprleft = 'anyarray'::regtype AND o.oprright = 'anyarray'::regtype AND k.typcategory = 'A')
                OR (o.oprleft = 'anyenum'::regtype AND o.oprright = 'anyenum'::regtype AND k.typtype = 'e')
                OR (o.oprleft = 'anyrange'::regtype AND o.oprright = 'anyrange'::regtype AND k.typtype = 'r')))
            """,
            connection,
            transaction);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.AddWithValue("type", type);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, string value, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(sql, connection);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.AddWithValue("v", value);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }
}
