using Npgsql;

namespace DataGuard.Postgres.Drills;

/// <summary>Makes it impossible for a drill to write into the production database.</summary>
internal static class DrillGuard
{
    public static void RequireNotProduction(NpgsqlConnectionStringBuilder production, NpgsqlConnectionStringBuilder target)
    {
        var sameServer = string.Equals(Normalize(production.Host), Normalize(target.Host), StringComparison.OrdinalIgnoreCase) && production.Port == target.Port;
        if (sameServer && string.Equals(production.Database, target.Database, StringComparison.Ordinal))
        {
            throw new DataGuardException($"Refusing to drill into {target.Host}:{target.Port}/{target.Database}: it is the production database. A drill restores into a scratch database of its own.") { Operation = "drill" };
        }

        if (string.IsNullOrEmpty(target.Database) || target.Database is "postgres" or "template0" or "template1")
        {
            throw new DataGuardException($"Refusing to drill into the database '{target.Database}'.") { Operation = "drill" };
        }
    }

    private static string Normalize(string? host) => host is null or "localhost" or "::1" ? "127.0.0.1" : host;
}
