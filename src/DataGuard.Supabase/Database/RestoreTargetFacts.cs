using Npgsql;

namespace DataGuard.Supabase.Database;

/// <summary>What a restore into a target depends on, read as the restoring role: its powers, schemas, roles, extensions, triggers and policies.</summary>
internal sealed class RestoreTargetFacts
{
    private const string Sql = """
        SELECT current_user, r.rolsuper, r.rolcreaterole, current_setting('server_version_num')::int
        FROM pg_roles r WHERE r.rolname = current_user;
        SELECT nspname FROM pg_namespace;
        SELECT rolname FROM pg_roles;
        SELECT extname FROM pg_extension;
        SELECT name, bool_or(trusted) FROM pg_available_extension_versions GROUP BY name;
        SELECT n.nspname || ' ' || c.relname || ' ' || t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal;
        SELECT schemaname || ' ' || tablename || ' ' || policyname FROM pg_policies;
        """;

    public string User { get; init; } = string.Empty;

    public bool Superuser { get; init; }

    public bool CreateRole { get; init; }

    public int ServerVersion { get; init; }

    public HashSet<string> Schemas { get; } = new(StringComparer.Ordinal);

    public HashSet<string> Roles { get; } = new(StringComparer.Ordinal);

    public HashSet<string> Extensions { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets the extensions the server has, with whether a non-superuser may create them (trusted).</summary>
    public Dictionary<string, bool> Available { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets the triggers as <c>schema table trigger</c>.</summary>
    public HashSet<string> Triggers { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets the policies as <c>schema table policy</c>.</summary>
    public HashSet<string> Policies { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets a value indicating whether the role may set <c>session_replication_role</c> (superuser, or granted SET on PostgreSQL 15+ as the platform's supautils allows).</summary>
    public bool MaySetReplicationRole { get; private set; }

    public static async Task<RestoreTargetFacts> ReadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(Sql, connection);
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        RestoreTargetFacts facts;
        await using (reader.ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            facts = new RestoreTargetFacts
            {
                User = reader.GetString(0),
                Superuser = reader.GetBoolean(1),
                CreateRole = reader.GetBoolean(2),
                ServerVersion = reader.GetInt32(3),
            };
            foreach (var set in new[] { facts.Schemas, facts.Roles, facts.Extensions })
            {
                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    set.Add(reader.GetString(0));
                }
            }

            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                facts.Available[reader.GetString(0)] = !reader.IsDBNull(1) && reader.GetBoolean(1);
            }

            foreach (var set in new[] { facts.Triggers, facts.Policies })
            {
                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    set.Add(reader.GetString(0));
                }
            }
        }

        facts.MaySetReplicationRole = facts.Superuser;
        if (!facts.Superuser && facts.ServerVersion >= 150000)
        {
            var may = new NpgsqlCommand("SELECT has_parameter_privilege('session_replication_role', 'SET')", connection);
            await using var mayScope = may.ConfigureAwait(false);
            facts.MaySetReplicationRole = (bool)(await may.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        return facts;
    }
}
