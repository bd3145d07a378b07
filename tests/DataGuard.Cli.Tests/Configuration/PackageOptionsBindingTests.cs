using DataGuard.Tests.Shared;
using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using DataGuard.DependencyInjection;
using DataGuard.Postgres;
using DataGuard.Postgres.Drills;
using DataGuard.Postgres.Export;
using DataGuard.Postgres.Migrations;
using DataGuard.Postgres.Retention;
using DataGuard.Retention;
using DataGuard.S3;
using DataGuard.Supabase;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DataGuard.Cli.Tests.Configuration;

/// <summary>
/// The options of DataGuard.Postgres, DataGuard.S3 and DataGuard.Supabase are bound by code the configuration binding
/// generator writes at compile time (trim- and native AOT-safe). They must bind as the reflection binder did: on
/// configurations generated from the options types themselves (every property present or absent, keys in any case,
/// empty and null values, lists of values and of options, nested options, a value that does not convert), the options
/// configured by the product's services are compared with those the reflection binder binds (this test project does
/// not enable the generator, so <c>Bind</c> here is reflection). A silently unbound option is a data-protection
/// failure here (an export redaction ignored, a retention condition or a pg_dump exclusion lost).
/// </summary>
public sealed class PackageOptionsBindingTests
{
    private static readonly JsonSerializerOptions Json = new() { TypeInfoResolver = new DefaultJsonTypeInfoResolver(), WriteIndented = true };

    /// <summary>Gets each section the three packages register, with its options type.</summary>
    private static IReadOnlyList<(string Path, Type Type)> Sections { get; } =
    [
        (PostgresOptions.SectionPath, typeof(PostgresOptions)),
        (MigrationsOptions.SectionPath, typeof(MigrationsOptions)),
        (RetentionOptions.SectionPath, typeof(RetentionOptions)),
        (ExportOptions.SectionPath, typeof(ExportOptions)),
        (DrillOptions.SectionPath, typeof(DrillOptions)),
        (S3StorageOptions.SectionPath, typeof(S3StorageOptions)),
        (SupabaseOptions.SectionPath, typeof(SupabaseOptions)),
    ];

    [Fact]
    public void Every_section_of_the_packages_is_compared()
    {
        using var services = Services(new ConfigurationBuilder().Build());
        var registered = services.GetServices<DataGuard.Configuration.OptionsSection>()
            .Where(s => s.OptionsType.Assembly != typeof(DataGuard.Configuration.DataGuardOptions).Assembly)
            .Select(s => s.OptionsType)
            .ToHashSet();
        Assert.Equal(registered.OrderBy(t => t.FullName), Sections.Select(s => s.Type).OrderBy(t => t.FullName));
    }

    [Fact]
    public void Generated_configurations_bind_as_with_the_reflection_binder()
    {
        for (var seed = 0; seed < 400; seed++)
        {
            var random = new Random(seed);
            var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (var (path, type) in Sections)
            {
                if (random.Next(4) != 0)
                {
                    OptionsBindingGenerator.Fill(random, path, type, settings, depth: 0);
                }
            }

            var invalid = random.Next(5) == 0 ? OptionsBindingGenerator.Invalidate(random, settings, IsEnumName) : null;
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
            using var services = Services(configuration);
            foreach (var (path, type) in Sections)
            {
                var (reflected, reflectionError) = OptionsBindingGenerator.Try(() =>
                {
                    var options = Activator.CreateInstance(type)!;
                    configuration.GetSection(path).Bind(options);
                    return options;
                });
                var (generated, generatedError) = OptionsBindingGenerator.Try(() => OptionsBindingGenerator.Bound(services, type));
                var context = $"seed {seed}, {type.Name}{(invalid is null ? string.Empty : $", invalid {invalid}")}: "
                    + string.Join(", ", settings.Where(s => s.Key.StartsWith(path + ":", StringComparison.OrdinalIgnoreCase)).Select(s => $"{s.Key}={s.Value ?? "(null)"}"));
                if (reflectionError is null && generatedError is not null)
                {
                    // The one deliberate difference: an element of a list (a retention policy, one of its conditions or
                    // anonymize rules, an export link, a drill check) with a value that does not convert, an empty one
                    // included, was silently DROPPED by the reflection binder (a retention condition lost widens what a
                    // policy deletes); now the start fails, naming the key.
                    Assert.IsType<InvalidOperationException>(generatedError);
                    Assert.Matches(@"^Failed to convert configuration value '(|not-a-value)' at '[^']*:\d+:[^']*' to type ", generatedError.Message);
                    continue;
                }

                Assert.True(reflectionError?.GetType() == generatedError?.GetType(), $"{context}\n{reflectionError} != {generatedError}");
                if (reflectionError?.Message != generatedError?.Message)
                {
                    // When a section has both a value that does not convert and an empty one, the reflection binder
                    // named whichever came first; empty values are checked before binding, so one is named first.
                    // Either way the start fails naming a key that is wrong.
                    Assert.True(invalid is not null && generatedError!.Message.StartsWith("Failed to convert configuration value '' at ", StringComparison.Ordinal), $"{context}\n{reflectionError?.Message} != {generatedError?.Message}");
                    Assert.StartsWith("Failed to convert configuration value 'not-a-value' at ", reflectionError!.Message, StringComparison.Ordinal);
                    continue;
                }

                if (reflected is not null)
                {
                    var reflectedJson = JsonSerializer.Serialize(reflected, type, Json);
                    var generatedJson = JsonSerializer.Serialize(generated, type, Json);
                    Assert.True(reflectedJson == generatedJson, $"{context}\n{reflectedJson}\n!=\n{generatedJson}");
                }
            }
        }
    }

    [Fact]
    public void The_generated_binder_binds_every_value_of_a_realistic_configuration()
    {
        // Guards the comparison above against comparing two unbound defaults: each list below is init-only or nested in
        // a list, the places where a binder can skip a property.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DataGuard:Postgres:ConnectionString"] = "Host=db;Database=app",
            ["DataGuard:Postgres:ToolsDirectory"] = "/usr/lib/postgresql/17/bin",
            ["DataGuard:Postgres:Dump:Preset"] = "none",
            ["DataGuard:Postgres:Dump:IncludeSchemas:0"] = "public",
            ["DataGuard:Postgres:Dump:IncludeSchemas:1"] = "billing",
            ["DataGuard:Postgres:Dump:ExcludeSchemas:0"] = "scratch",
            ["DataGuard:Postgres:Dump:IncludeTables:0"] = "public.users",
            ["DataGuard:Postgres:Dump:ExcludeTables:0"] = "public.sessions",
            ["DataGuard:Postgres:Dump:ExcludeTableData:0"] = "public.audit_log",
            ["DataGuard:Migrations:Directory"] = "db/migrations",
            ["DataGuard:Migrations:LockTimeout"] = "00:01:00",
            ["DataGuard:Migrations:RestorePointBeforeChange"] = "false",
            ["DataGuard:Retention:BatchSize"] = "250",
            ["DataGuard:Retention:HmacKey"] = "hmac",
            ["DataGuard:Retention:Policies:0:Name"] = "old-orders",
            ["DataGuard:Retention:Policies:0:Table"] = "public.orders",
            ["DataGuard:Retention:Policies:0:TimestampColumn"] = "created_at",
            ["DataGuard:Retention:Policies:0:MaxAge"] = "365.00:00:00",
            ["DataGuard:Retention:Policies:0:Action"] = "Anonymize",
            ["DataGuard:Retention:Policies:0:Conditions:0:Column"] = "status",
            ["DataGuard:Retention:Policies:0:Conditions:0:Operator"] = "In",
            ["DataGuard:Retention:Policies:0:Conditions:0:Values:0"] = "closed",
            ["DataGuard:Retention:Policies:0:Conditions:0:Values:1"] = "cancelled",
            ["DataGuard:Retention:Policies:0:Anonymize:0:Column"] = "email",
            ["DataGuard:Retention:Policies:0:Anonymize:0:Method"] = "Hmac",
            ["DataGuard:Retention:Policies:0:Anonymize:1:Column"] = "name",
            ["DataGuard:Retention:Policies:0:Anonymize:1:Method"] = "Fixed",
            ["DataGuard:Retention:Policies:0:Anonymize:1:Value"] = "redacted",
            ["DataGuard:Retention:Policies:1:Name"] = "sessions",
            ["DataGuard:Retention:Policies:1:Table"] = "public.sessions",
            ["DataGuard:Retention:Policies:1:TimestampColumn"] = "seen_at",
            ["DataGuard:Retention:Policies:1:MaxAge"] = "30.00:00:00",
            ["DataGuard:Export:Subject:Table"] = "public.users",
            ["DataGuard:Export:Subject:Key"] = "user_id",
            ["DataGuard:Export:Links:0:From"] = "public.audit_log.actor_id",
            ["DataGuard:Export:Links:0:To"] = "public.users.id",
            ["DataGuard:Export:ExcludeTables:0"] = "public.sessions",
            ["DataGuard:Export:Exclude:0"] = "public.users.password_hash",
            ["DataGuard:Export:DefaultFormats:0"] = "json",
            ["DataGuard:Export:DefaultFormats:1"] = "pdf",
            ["DataGuard:Export:Redaction:Mode"] = "Allowlist",
            ["DataGuard:Export:Redaction:Deny:0"] = "public.users.ssn",
            ["DataGuard:Export:Redaction:Allow:0"] = "public.users.email",
            ["DataGuard:Export:Redaction:DenySensitiveNames"] = "false",
            ["DataGuard:Drills:Kind"] = "physical",
            ["DataGuard:Drills:Checks:0:Name"] = "users",
            ["DataGuard:Drills:Checks:0:Sql"] = "select count(*) > 0 from public.users",
            ["DataGuard:Drills:Checks:0:Expected"] = "t",
            ["DataGuard:Storage:S3:Bucket"] = "backups",
            ["DataGuard:Storage:S3:ForcePathStyle"] = "true",
            ["DataGuard:Storage:S3:PartSize"] = "16777216",
            ["DataGuard:Supabase:ProjectRef"] = "abcdefghijklmnopqrst",
            ["DataGuard:Supabase:Restore:CreateApiRoles"] = "false",
            ["DataGuard:Supabase:Storage:Buckets:0"] = "avatars",
            ["DataGuard:Supabase:Storage:Buckets:1"] = "invoices",
        }).Build();
        using var services = Services(configuration);

        var postgres = OptionsBindingGenerator.Bound<PostgresOptions>(services);
        Assert.Equal("Host=db;Database=app", postgres.ConnectionString);
        Assert.Equal("/usr/lib/postgresql/17/bin", postgres.ToolsDirectory);
        Assert.Equal("none", postgres.Dump.Preset);
        Assert.Equal(["public", "billing"], postgres.Dump.IncludeSchemas);
        Assert.Equal(["scratch"], postgres.Dump.ExcludeSchemas);
        Assert.Equal(["public.users"], postgres.Dump.IncludeTables);
        Assert.Equal(["public.sessions"], postgres.Dump.ExcludeTables);
        Assert.Equal(["public.audit_log"], postgres.Dump.ExcludeTableData);

        var migrations = OptionsBindingGenerator.Bound<MigrationsOptions>(services);
        Assert.Equal("db/migrations", migrations.Directory);
        Assert.Equal(TimeSpan.FromMinutes(1), migrations.LockTimeout);
        Assert.False(migrations.RestorePointBeforeChange);

        var retention = OptionsBindingGenerator.Bound<RetentionOptions>(services);
        Assert.Equal(250, retention.BatchSize);
        Assert.Equal(2, retention.Policies.Count);
        var orders = retention.Policies[0];
        Assert.Equal(("old-orders", "public.orders", "created_at", TimeSpan.FromDays(365), RetentionAction.Anonymize), (orders.Name, orders.Table, orders.TimestampColumn, orders.MaxAge, orders.Action));
        var condition = Assert.Single(orders.Conditions);
        Assert.Equal(("status", RetentionOperator.In), (condition.Column, condition.Operator));
        Assert.Equal(["closed", "cancelled"], condition.Values);
        Assert.Equal(2, orders.Anonymize.Count);
        Assert.Equal(("email", AnonymizeMethod.Hmac), (orders.Anonymize[0].Column, orders.Anonymize[0].Method));
        Assert.Equal(("name", AnonymizeMethod.Fixed, "redacted"), (orders.Anonymize[1].Column, orders.Anonymize[1].Method, orders.Anonymize[1].Value));
        Assert.Equal(("sessions", TimeSpan.FromDays(30)), (retention.Policies[1].Name, retention.Policies[1].MaxAge));

        var export = OptionsBindingGenerator.Bound<ExportOptions>(services);
        Assert.Equal(("public.users", "user_id"), (export.Subject.Table, export.Subject.Key));
        var link = Assert.Single(export.Links);
        Assert.Equal(("public.audit_log.actor_id", "public.users.id"), (link.From, link.To));
        Assert.Equal(["public.sessions"], export.ExcludeTables);
        Assert.Equal(["public.users.password_hash"], export.Exclude);
        Assert.Equal(["json", "pdf"], export.DefaultFormats);
        Assert.Equal(RedactionMode.Allowlist, export.Redaction.Mode);
        Assert.Equal(["public.users.ssn"], export.Redaction.Deny);
        Assert.Equal(["public.users.email"], export.Redaction.Allow);
        Assert.False(export.Redaction.DenySensitiveNames);

        var drills = OptionsBindingGenerator.Bound<DrillOptions>(services);
        Assert.Equal("physical", drills.Kind);
        var check = Assert.Single(drills.Checks);
        Assert.Equal(("users", "select count(*) > 0 from public.users", "t"), (check.Name, check.Sql, check.Expected));

        var s3 = OptionsBindingGenerator.Bound<S3StorageOptions>(services);
        Assert.Equal(("backups", true, 16777216), (s3.Bucket, s3.ForcePathStyle, s3.PartSize));

        var supabase = OptionsBindingGenerator.Bound<SupabaseOptions>(services);
        Assert.Equal("abcdefghijklmnopqrst", supabase.ProjectRef);
        Assert.False(supabase.Restore.CreateApiRoles);
        Assert.Equal(["avatars", "invoices"], supabase.Storage.Buckets);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-value")]
    public void A_list_element_with_a_value_that_does_not_convert_fails_the_start_where_the_reflection_binder_dropped_it(string operatorValue)
    {
        // Deliberately not as the reflection binder: it dropped the condition silently, so the policy deleted every row
        // older than MaxAge instead of only the closed ones. Generated code (and, for an empty value, the emulation
        // before it) fails the start naming the key.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DataGuard:Retention:Policies:0:Name"] = "closed-orders",
            ["DataGuard:Retention:Policies:0:Conditions:0:Column"] = "status",
            ["DataGuard:Retention:Policies:0:Conditions:0:Operator"] = operatorValue,
            ["DataGuard:Retention:Policies:0:Conditions:0:Value"] = "closed",
        }).Build();

        var reflected = new RetentionOptions();
        configuration.GetSection(RetentionOptions.SectionPath).Bind(reflected);
        Assert.Empty(Assert.Single(reflected.Policies).Conditions);

        using var services = Services(configuration);
        var error = Assert.Throws<InvalidOperationException>(() => OptionsBindingGenerator.Bound<RetentionOptions>(services));
        Assert.StartsWith($"Failed to convert configuration value '{operatorValue}' at 'DataGuard:Retention:Policies:0:Conditions:0:Operator'", error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => services.GetRequiredService<IOptions<RetentionOptions>>().Value);   // what the start resolves
    }

    /// <summary>The services of the CLI's packages over <paramref name="configuration"/>.</summary>
    private static ServiceProvider Services(IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddDataGuard().AddPostgres().AddS3Storage().AddSupabase();
        return services.BuildServiceProvider();
    }

    private static bool IsEnumName(string value) =>
        new[] { typeof(RetentionAction), typeof(RetentionOperator), typeof(AnonymizeMethod), typeof(RedactionMode) }
            .Any(t => Enum.GetNames(t).Contains(value, StringComparer.OrdinalIgnoreCase));
}
