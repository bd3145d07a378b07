using DataGuard.Postgres;
using DataGuard.Postgres.Backup;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.Supabase.Database;

/// <summary>
/// The <c>Supabase</c> preset of the pg_dump provider. The dump, one snapshot as always, leaves out the schemas the
/// platform and its extensions own, except <c>auth</c> and <c>storage</c> (whose rows are the application's users and
/// files), and the rows of the platform's migration tables. A restore reads the archive's table of contents and replays
/// what the target can take as a non-superuser: into a Supabase project, the rows of <c>auth</c> and <c>storage</c> (the
/// project has their tables) plus the application's own triggers and policies on them; into a plain PostgreSQL, their
/// definitions too. Event triggers, the <c>supabase_realtime</c> publication, default privileges of other roles and
/// extension comments are always left to the platform; missing extensions are created where the role may.
/// </summary>
internal sealed class SupabaseDumpProfile(IOptions<SupabaseOptions> options, ILogger<SupabaseDumpProfile> logger) : PgDumpProfile
{
    /// <summary>The preset's name.</summary>
    public const string PresetName = "Supabase";

    public override string Name => PresetName;

    public override IReadOnlyCollection<string> PlatformSchemas => SupabaseSchemas.Platform;

    public override PgDumpOptions Filter(PgDumpOptions configured) => new()
    {
        Preset = configured.Preset,
        IncludeSchemas = [.. configured.IncludeSchemas],
        IncludeTables = [.. configured.IncludeTables],
        ExcludeSchemas = [.. configured.ExcludeSchemas.Union(SupabaseSchemas.ExcludedFromDump, StringComparer.Ordinal)],
        ExcludeTables = [.. configured.ExcludeTables],
        ExcludeTableData = [.. configured.ExcludeTableData.Union(SupabaseSchemas.MigrationTables, StringComparer.Ordinal)],
    };

    public override void CheckConnection(NpgsqlConnectionStringBuilder connection, string operation) =>
        SupabaseConnection.Check(connection, operation);

    public override async Task<PgRestorePlan?> PlanRestoreAsync(NpgsqlConnection target, IReadOnlyList<string> toc, CancellationToken cancellationToken)
    {
        var facts = await RestoreTargetFacts.ReadAsync(target, cancellationToken).ConfigureAwait(false);
        var plan = Plan(toc, facts);
        foreach (var (reason, lines) in plan.Skipped)
        {
            SupabaseLog.EntriesSkipped(logger, lines.Count, reason, string.Join("; ", lines.Take(3)) + (lines.Count > 3 ? "; ..." : string.Empty));
        }

        foreach (var extension in plan.UnavailableExtensions)
        {
            SupabaseLog.ExtensionUnavailable(logger, extension);
        }

        await PrepareAsync(target, facts, plan, cancellationToken).ConfigureAwait(false);
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        if (plan.IntoSupabase && options.Value.Restore.ReplicaSessionForData)
        {
            if (facts.MaySetReplicationRole)
            {
                settings["session_replication_role"] = "replica";
            }
            else
            {
                SupabaseLog.RestoreWarning(logger, $"role {facts.User} may not set session_replication_role; rows load with triggers and foreign-key checks on");
            }
        }

        return new PgRestorePlan(plan.Entries, settings);
    }

    /// <summary>Chooses the entries to restore (pure: the tests call it with listed archives).</summary>
    /// <param name="toc">The archive's table of contents.</param>
    /// <param name="facts">The target.</param>
    /// <returns>The choice.</returns>
    internal static SupabaseRestoreChoice Plan(IReadOnlyList<string> toc, RestoreTargetFacts facts)
    {
        var choice = new SupabaseRestoreChoice
        {
            IntoSupabase = SupabaseSchemas.Kept.Any(facts.Schemas.Contains),
        };
        foreach (var line in toc)
        {
            var entry = TocEntry.Parse(line);
            var skip = entry is null ? null : SkipReason(entry, facts, choice);
            if (skip is null)
            {
                choice.Entries.Add(line);
            }
            else
            {
                if (!choice.Skipped.TryGetValue(skip, out var lines))
                {
                    choice.Skipped[skip] = lines = [];
                }

                lines.Add($"{entry!.Desc} {(entry.Namespace is null ? string.Empty : entry.Namespace + " ")}{entry.Tag}");
            }
        }

        return choice;
    }

    private static string? SkipReason(TocEntry entry, RestoreTargetFacts facts, SupabaseRestoreChoice choice)
    {
        if (entry.Desc == "EVENT TRIGGER" || (entry.Desc == "COMMENT" && entry.Tag.StartsWith("EVENT TRIGGER ", StringComparison.Ordinal)))
        {
            return "event triggers are the platform's (creating one needs a superuser)";
        }

        if (entry.Desc.StartsWith("PUBLICATION", StringComparison.Ordinal) && entry.Tag.Split(' ')[0] == "supabase_realtime"
            || (entry.Desc == "COMMENT" && entry.Tag == "PUBLICATION supabase_realtime"))
        {
            return "the supabase_realtime publication is the platform's (turn Realtime on again per table)";
        }

        if (entry.Desc == "DEFAULT ACL" && !facts.Superuser && entry.Owner != facts.User)
        {
            return "default privileges of another role (ALTER DEFAULT PRIVILEGES FOR ROLE needs membership in it)";
        }

        if (entry.Desc == "COMMENT" && entry.Tag.StartsWith("EXTENSION ", StringComparison.Ordinal))
        {
            return "comments on extensions (only their owner may set them)";
        }

        if (entry.Desc == "EXTENSION")
        {
            if (facts.Extensions.Contains(entry.Tag))
            {
                return "extensions the target already has";
            }

            if (facts.Available.TryGetValue(entry.Tag, out var trusted) && (trusted || facts.Superuser))
            {
                choice.CreatesExtensions = true;
                return null;
            }

            choice.UnavailableExtensions.Add(entry.Tag);
            return "extensions the target cannot install for this role";
        }

        if (entry.Desc == "ACL" && entry.Namespace is null && entry.Tag == "SCHEMA public" && !choice.IntoSupabase)
        {
            // The platform grants on schema public to its roles (postgres, anon, ...); a plain target keeps its own.
            return "grants on schema public (the platform's, naming its roles)";
        }

        if (entry.Schema is not { } schema || !SupabaseSchemas.Platform.Contains(schema, StringComparer.Ordinal))
        {
            return null;
        }

        if (!facts.Schemas.Contains(schema))
        {
            // A plain PostgreSQL: the schema comes from the archive; grants on it name the platform's roles.
            return entry.Desc == "ACL" ? "grants on the platform's schemas (they name the platform's roles)" : null;
        }

        switch (entry.Desc)
        {
            case "TABLE DATA" or "SEQUENCE SET":
                return SupabaseSchemas.MigrationTables.Contains($"{schema}.{entry.Tag}", StringComparer.Ordinal)
                    ? "the platform's migration tables" : null;
            case "TRIGGER":
                return facts.Triggers.Contains($"{schema} {entry.Tag}") ? "the platform's own objects (the project has them)" : null;
            case "POLICY":
                return facts.Policies.Contains($"{schema} {entry.Tag}") ? "the platform's own objects (the project has them)" : null;
            default:
                return "the platform's own objects (the project has them)";
        }
    }

    private async Task PrepareAsync(NpgsqlConnection target, RestoreTargetFacts facts, SupabaseRestoreChoice plan, CancellationToken cancellationToken)
    {
        var statements = new List<string>();
        if (plan.CreatesExtensions && !facts.Schemas.Contains("extensions"))
        {
            // Supabase installs extensions into the schema "extensions", which the dump leaves out.
            statements.Add("CREATE SCHEMA IF NOT EXISTS extensions");
        }

        if (!plan.IntoSupabase && options.Value.Restore.CreateApiRoles)
        {
            var missing = SupabaseSchemas.ApiRoles.Where(r => !facts.Roles.Contains(r)).ToList();
            if (missing.Count > 0 && (facts.CreateRole || facts.Superuser))
            {
                statements.AddRange(missing.Select(role => $"CREATE ROLE {PgIdentifiers.Quote(role)} NOLOGIN NOINHERIT"));
            }
            else if (missing.Count > 0)
            {
                SupabaseLog.RestoreWarning(logger, $"role {facts.User} may not create the roles {string.Join(", ", missing)}; grants and policies naming them will fail");
            }
        }

        foreach (var sql in statements)
        {
            var command = new NpgsqlCommand(sql, target);
            await using var commandScope = command.ConfigureAwait(false);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            SupabaseLog.TargetPrepared(logger, sql);
        }
    }
}
