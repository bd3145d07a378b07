using DataGuard.Backup;
using DataGuard.DependencyInjection;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DataGuard.IntegrationTests.Supabase;

/// <summary>
/// A logical backup of a Supabase-shaped database (the platform's roles, schemas, event trigger and publication; the
/// application's tables with foreign keys to auth.users, RLS policies, a trigger on auth.users and policies on
/// storage.objects), taken as the project's non-superuser role with the Supabase preset, restored as a non-superuser
/// into a plain PostgreSQL 15 and into another Supabase-shaped project: rows and policies identical, no error.
/// </summary>
[Collection(SupabaseCollection.Name)]
public sealed class SupabaseBackupRestoreTests(SupabaseLab lab)
{
    private static readonly string[] Tables =
    [
        "auth.users", "auth.identities", "auth.refresh_tokens", "public.profiles", "public.todos", "storage.buckets", "storage.objects",
    ];

    private const string PoliciesSql = """
        SELECT coalesce(string_agg(schemaname || '.' || tablename || '.' || policyname || ' ' || cmd || ' ' || array_to_string(roles, ',') || ' ' || coalesce(qual, '') || ' ' || coalesce(with_check, ''), E'\n' ORDER BY schemaname, tablename, policyname), '')
        FROM pg_policies WHERE schemaname IN ('public', 'storage')
        """;

    [Fact]
    public async Task A_backup_of_a_Supabase_project_restores_into_a_plain_PostgreSQL_as_a_non_superuser()
    {
        var source = await lab.CreateProjectAsync(withApplication: true);
        await SupabaseLab.ExecuteAsync(lab.ProjectConnection(source), SupabaseSeed.Sql(seed: 19, users: 40));
        await using var services = Build(lab.ProjectConnection(source), out var root);
        try
        {
            var backups = services.GetRequiredService<BackupService>();
            var manifest = await backups.RunAsync();
            Assert.Equal(40, manifest.TableRowCounts["auth.users"]);
            Assert.DoesNotContain("auth.schema_migrations", manifest.TableRowCounts.Keys);
            Assert.DoesNotContain(manifest.TableRowCounts.Keys, t => t.StartsWith("vault.", StringComparison.Ordinal) || t.StartsWith("realtime.", StringComparison.Ordinal));

            var target = $"plain_{Guid.NewGuid():N}"[..20];
            var result = await backups.RestoreAsync(manifest.Id, new RestoreRequest { TargetConnectionString = lab.PlainConnection(target), Create = true });
            Assert.True(result.RowCountsMatch, string.Join(", ", result.Tables.Where(t => !t.Matches).Select(t => t.ToString())));

            var from = lab.ProjectConnection(source);
            var to = lab.PlainConnection(target);
            foreach (var table in Tables)
            {
                Assert.Equal(await FingerprintAsync(from, table), await FingerprintAsync(to, table));
            }

            var policies = await SupabaseLab.ScalarAsync<string>(from, PoliciesSql);
            Assert.Contains("Individuals can view their own todos.", policies, StringComparison.Ordinal);
            Assert.Equal(policies, await SupabaseLab.ScalarAsync<string>(to, PoliciesSql));

            // The platform's parts stay behind: no event trigger, no realtime publication, no vault or realtime schema.
            Assert.Equal(0L, await SupabaseLab.ScalarAsync<long>(to, "SELECT count(*) FROM pg_event_trigger"));
            Assert.Equal(0L, await SupabaseLab.ScalarAsync<long>(to, "SELECT count(*) FROM pg_publication"));
            Assert.Equal(0L, await SupabaseLab.ScalarAsync<long>(to, "SELECT count(*) FROM pg_namespace WHERE nspname IN ('vault', 'realtime')"));
            Assert.Equal(0L, await SupabaseLab.ScalarAsync<long>(to, "SELECT count(*) FROM auth.schema_migrations"));

            // The application still works the Supabase way there: the sign-up trigger, the API roles, RLS.
            Assert.True(await SupabaseLab.ScalarAsync<bool>(to, "SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'on_auth_user_created')"));
            Assert.True(await SupabaseLab.ScalarAsync<bool>(to, "SELECT has_table_privilege('anon', 'public.todos', 'SELECT')"));
            Assert.True(await SupabaseLab.ScalarAsync<bool>(to, "SELECT relrowsecurity FROM pg_class WHERE oid = 'public.todos'::regclass"));
            Assert.Equal("pgcrypto,uuid-ossp", await SupabaseLab.ScalarAsync<string>(to, "SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension WHERE extname <> 'plpgsql'"));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task A_backup_of_a_Supabase_project_restores_into_another_project_keeping_its_platform_objects()
    {
        var source = await lab.CreateProjectAsync(withApplication: true);
        await SupabaseLab.ExecuteAsync(lab.ProjectConnection(source), SupabaseSeed.Sql(seed: 7, users: 25));
        var target = await lab.CreateProjectAsync(withApplication: false);
        await using var services = Build(lab.ProjectConnection(source), out var root);
        try
        {
            var backups = services.GetRequiredService<BackupService>();
            var manifest = await backups.RunAsync();
            var result = await backups.RestoreAsync(manifest.Id, new RestoreRequest { TargetConnectionString = lab.ProjectConnection(target) });
            Assert.True(result.RowCountsMatch, string.Join(", ", result.Tables.Where(t => !t.Matches).Select(t => t.ToString())));

            var from = lab.ProjectConnection(source);
            var to = lab.ProjectConnection(target);
            foreach (var table in Tables)
            {
                Assert.Equal(await FingerprintAsync(from, table), await FingerprintAsync(to, table));
            }

            Assert.Equal(await SupabaseLab.ScalarAsync<string>(from, PoliciesSql), await SupabaseLab.ScalarAsync<string>(to, PoliciesSql));

            // The project's own platform objects are untouched: its migration rows, its event trigger, its vault.
            Assert.Equal(3L, await SupabaseLab.ScalarAsync<long>(to, "SELECT count(*) FROM auth.schema_migrations"));
            Assert.Equal(2L, await SupabaseLab.ScalarAsync<long>(to, "SELECT count(*) FROM storage.migrations"));
            Assert.Equal(1L, await SupabaseLab.ScalarAsync<long>(to, "SELECT count(*) FROM pg_event_trigger"));
            Assert.Equal(1L, await SupabaseLab.ScalarAsync<long>(to, "SELECT count(*) FROM vault.secrets"));

            // The application's trigger on auth.users came along, and did not fire during the load (one profile per user).
            Assert.True(await SupabaseLab.ScalarAsync<bool>(to, "SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'on_auth_user_created')"));
            Assert.Equal(25L, await SupabaseLab.ScalarAsync<long>(to, "SELECT count(*) FROM public.profiles"));

            // A restore drill of the same backup, as the project's role, into a scratch database of the project's server.
            var drill = await services.GetRequiredService<DataGuard.Postgres.Drills.DrillService>().RunAsync(manifest.Id);
            Assert.True(drill.Passed, drill.Error + string.Join("; ", drill.Checks.Where(c => !c.Passed).Select(c => c.ToString())));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Without_the_preset_the_same_backup_does_not_restore_into_a_plain_PostgreSQL()
    {
        // The defect the preset exists for: a plain pg_dump of a Supabase database fails elsewhere.
        var source = await lab.CreateProjectAsync(withApplication: true);
        await SupabaseLab.ExecuteAsync(lab.ProjectConnection(source), SupabaseSeed.Sql(seed: 3, users: 5));
        await using var services = Build(lab.ProjectConnection(source), out var root, preset: string.Empty);
        try
        {
            var backups = services.GetRequiredService<BackupService>();
            var manifest = await backups.RunAsync();
            var target = $"plain_{Guid.NewGuid():N}"[..20];
            var ex = await Assert.ThrowsAnyAsync<DataGuardException>(() =>
                backups.RestoreAsync(manifest.Id, new RestoreRequest { TargetConnectionString = lab.PlainConnection(target), Create = true }));
            Assert.Contains("pg_restore", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static ServiceProvider Build(string connectionString, out string root, string? preset = null)
    {
        root = Path.Combine(Path.GetTempPath(), $"dataguard-supabase-backups-{Guid.NewGuid():N}");
        var services = new ServiceCollection();
        services.AddLogging();
        var storageRoot = root;
        services.AddDataGuard(o => o.Backup.Compression.Level = 1)
            .AddPostgres(o =>
            {
                o.ConnectionString = connectionString;
                o.Dump.Preset = preset;
            })
            .AddSupabase()
            .AddFileSystemStorage(storageRoot);
        return services.BuildServiceProvider();
    }

    private static Task<string> FingerprintAsync(string connectionString, string table) =>
        SupabaseLab.ScalarAsync<string>(connectionString, $"SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM {table} t");
}
