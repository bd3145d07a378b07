using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using DataGuard.Backup;
using DataGuard.Cli.Commands;
using DataGuard.Migrations;
using DataGuard.Pitr;
using DataGuard.Postgres.Drills;
using DataGuard.Postgres.Export;
using DataGuard.Postgres.Migrations;
using DataGuard.Postgres.Pitr;
using DataGuard.Postgres.Retention;
using DataGuard.Postgres.Status;
using DataGuard.Supabase.Management;
using DataGuard.Supabase.Storage;

namespace DataGuard.Cli;

/// <summary>JSON of <c>--json</c> output: every document's metadata is generated at compile time (<see cref="CliJsonContext"/>).</summary>
internal static class CliJson
{
    /// <summary>
    /// Gets the options: web defaults, indented; a backup's status as the manifests write it (<c>"verified"</c>, not a
    /// number), while other enums keep their own converters. Types resolve through <see cref="CliJsonContext"/> only: a
    /// document type missing there fails in every test that prints it, not only in the native build.
    /// </summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter<BackupStatus>(JsonNamingPolicy.CamelCase) },
        TypeInfoResolver = CliJsonContext.Default,
    };

    /// <summary>Serializes a <c>--json</c> document.</summary>
    /// <typeparam name="T">The document's type, listed in <see cref="CliJsonContext"/>.</typeparam>
    /// <param name="value">The document.</param>
    /// <returns>Indented JSON.</returns>
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T)));
}

/// <summary>Compile-time JSON metadata of every <c>--json</c> document (the CLI is published as native code, without reflection).</summary>
[JsonSerializable(typeof(BackupListJson))]
[JsonSerializable(typeof(BackupVerifyJson))]
[JsonSerializable(typeof(BackupPruneJson))]
[JsonSerializable(typeof(ForgetResult))]
[JsonSerializable(typeof(RestoreResult))]
[JsonSerializable(typeof(DoctorJson))]
[JsonSerializable(typeof(DrillReport))]
[JsonSerializable(typeof(IReadOnlyList<DrillReport>))]
[JsonSerializable(typeof(ExportMapJson))]
[JsonSerializable(typeof(ExportListJson))]
[JsonSerializable(typeof(ExportJob))]
[JsonSerializable(typeof(MigrateAdoptJson))]
[JsonSerializable(typeof(MigrateRunJson))]
[JsonSerializable(typeof(IReadOnlyList<MigrationLintFinding>))]
[JsonSerializable(typeof(IReadOnlyList<MigrationStatusRow>))]
[JsonSerializable(typeof(IReadOnlyList<PlannedStep>))]
[JsonSerializable(typeof(IReadOnlyList<Rehearsal>))]
[JsonSerializable(typeof(SchemaStatusJson))]
[JsonSerializable(typeof(SchemaUpgradeJson))]
[JsonSerializable(typeof(WalArchiveStatus))]
[JsonSerializable(typeof(WalPushResult))]
[JsonSerializable(typeof(PitrRestoreResult))]
[JsonSerializable(typeof(RestorePoint))]
[JsonSerializable(typeof(LegalHold))]
[JsonSerializable(typeof(IReadOnlyList<LegalHold>))]
[JsonSerializable(typeof(RetentionRunResult))]
[JsonSerializable(typeof(IReadOnlyList<RecordedRetentionRun>))]
[JsonSerializable(typeof(StatusReport))]
[JsonSerializable(typeof(SupabasePitrResult))]
[JsonSerializable(typeof(SupabasePlatformReport))]
[JsonSerializable(typeof(SupabaseStorageManifest))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
