using DataGuard.Configuration;
using DataGuard.DependencyInjection;
using DataGuard.Diagnostics;
using DataGuard.Migrations;
using DataGuard.Postgres.Drills;
using DataGuard.Postgres.Export;
using DataGuard.Postgres.Migrations;
using DataGuard.Postgres.Pitr;
using DataGuard.Postgres.Retention;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DataGuard.Tests.DependencyInjection;

/// <summary>A host opts into the PostgreSQL features it uses; each one alone builds, with exactly its hosted services.</summary>
public class PostgresFeatureRegistrationTests
{
    public static TheoryData<string> Features => ["backups", "pitr", "migrations", "retention", "export", "drills", "all"];

    [Theory]
    [MemberData(nameof(Features))]
    public void Each_feature_alone_resolves_every_registration(string feature)
    {
        var services = Build(feature);
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        foreach (var descriptor in services.Where(d => !d.ServiceType.IsGenericTypeDefinition))
        {
            Assert.NotNull(provider.GetService(descriptor.ServiceType));
        }
    }

    [Theory]
    [InlineData("backups", new string[0])]
    [InlineData("pitr", new string[0])]
    [InlineData("migrations", new string[0])]
    [InlineData("export", new[] { "ExportWorker" })]
    [InlineData("retention", new[] { "ExportWorker", "RetentionCatalogCheck", "RetentionScheduler" })]
    [InlineData("drills", new[] { "DrillScheduler" })]
    [InlineData("all", new[] { "DrillScheduler", "ExportWorker", "RetentionCatalogCheck", "RetentionScheduler" })]
    public void Each_feature_adds_only_its_own_background_work(string feature, string[] expected)
    {
        using var provider = Build(feature).BuildServiceProvider();
        var hosted = provider.GetServices<IHostedService>().Select(h => h.GetType().Name)
            .Where(n => n is not "BackupScheduler" and not "DataGuardStartup" && !n.StartsWith("Validation", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        Assert.Equal(expected, hosted.Intersect(["DrillScheduler", "ExportWorker", "RetentionCatalogCheck", "RetentionScheduler"]));
    }

    [Fact]
    public void Every_feature_twice_adds_nothing_twice()
    {
        var once = Build("all");
        var twice = Build("all");
        twice.AddDataGuard().AddPostgresBackups().AddPitr().AddMigrations().AddRetention().AddExport().AddDrills().AddPostgres();
        Assert.Equal(once.Count, twice.Count);
    }

    [Fact]
    public void A_section_of_a_feature_that_was_not_added_is_reported_with_the_call_that_adds_it()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DataGuard:Postgres:ConnectionString"] = "Host=localhost",
            ["DataGuard:Retention:Policies:0:Name"] = "old-sessions",
            ["DataGuard:Export:LinkLifetime"] = "00:30:00",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddDataGuard().AddExport();
        using var provider = services.BuildServiceProvider();
        var findings = UnknownConfigurationKeys.Find(configuration, provider.GetServices<OptionsSection>(), provider.GetServices<OptionsShape>());
        var finding = Assert.Single(findings);
        Assert.Contains("DataGuard:Retention is configured but its feature is not added", finding, StringComparison.Ordinal);
        Assert.Contains("AddRetention()", finding, StringComparison.Ordinal);
    }

    [Fact]
    public void Features_bring_what_they_need()
    {
        using var drills = Build("drills").BuildServiceProvider();
        Assert.NotNull(drills.GetService<DrillService>());
        Assert.NotNull(drills.GetService<PitrRestoreService>());
        Assert.Null(drills.GetService<Migrator>());
        Assert.Null(drills.GetService<RetentionRunner>());

        using var retention = Build("retention").BuildServiceProvider();
        Assert.NotNull(retention.GetService<LegalHolds>());
        Assert.NotNull(retention.GetService<SubjectExports>());   // holds by subject read the export's subject map
        Assert.Null(retention.GetService<DrillService>());

        using var migrations = Build("migrations").BuildServiceProvider();
        Assert.NotNull(migrations.GetService<IMigrationLedger>());
        // Migrations take a safety-net backup (which may be parallel): the staging check comes with it.
        Assert.Equal(["configuration", "postgres", "staging", "storage"], migrations.GetServices<IDoctorCheck>().Select(c => c.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_retention_policy_or_predicate_added_in_code_brings_the_retention_feature_that_runs_it()
    {
        // Without the runner and its scheduler, a policy added in code would be kept and never run: expired personal
        // data would stay, with nothing at start-up or in doctor to say so.
        var services = Build("backups");
        services.AddDataGuard().AddRetentionPolicy(new RetentionPolicyOptions
        {
            Name = "sessions", Table = "public.sessions", TimestampColumn = "created_at", MaxAge = TimeSpan.FromDays(30),
        });
        using (var provider = services.BuildServiceProvider())
        {
            Assert.NotNull(provider.GetService<RetentionRunner>());
            Assert.Contains(provider.GetServices<IHostedService>(), h => h.GetType().Name == "RetentionScheduler");
        }

        var withPredicate = Build("backups");
        withPredicate.AddDataGuard().AddRetentionPredicate("closed", "t.status = 'closed'");
        using (var provider = withPredicate.BuildServiceProvider())
        {
            Assert.NotNull(provider.GetService<RetentionRunner>());
        }
    }

    private static ServiceCollection Build(string feature)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        var builder = services.AddDataGuard(o => o.Storage.FileSystem.Root = "/tmp/dataguard-feature-test");
        services.Configure<DataGuard.Postgres.PostgresOptions>(o => o.ConnectionString = "Host=127.0.0.1;Database=app");
        _ = feature switch
        {
            "backups" => builder.AddPostgresBackups(),
            "pitr" => builder.AddPitr(),
            "migrations" => builder.AddMigrations(),
            "retention" => builder.AddRetention(),
            "export" => builder.AddExport(),
            "drills" => builder.AddDrills(),
            _ => builder.AddPostgres(),
        };
        return services;
    }
}
