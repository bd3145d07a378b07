using System.Text.Json.Serialization;

namespace DataGuard.Supabase.Management;

/// <summary><c>GET /v1/projects/{ref}</c> (the fields DataGuard reads).</summary>
internal sealed record ManagementProject(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("region")] string? Region,
    [property: JsonPropertyName("status")] string? Status,
    [property: JsonPropertyName("database")] ManagementProjectDatabase? Database);

/// <summary>The <c>database</c> of a project.</summary>
internal sealed record ManagementProjectDatabase(
    [property: JsonPropertyName("host")] string? Host,
    [property: JsonPropertyName("version")] string? Version);

/// <summary><c>GET /v1/projects/{ref}/database/backups</c>.</summary>
internal sealed record ManagementBackups(
    [property: JsonPropertyName("region")] string? Region,
    [property: JsonPropertyName("walg_enabled")] bool WalgEnabled,
    [property: JsonPropertyName("pitr_enabled")] bool PitrEnabled,
    [property: JsonPropertyName("backups")] IReadOnlyList<ManagementBackup>? Backups,
    [property: JsonPropertyName("physical_backup_data")] ManagementPhysicalBackupData? PhysicalBackupData);

/// <summary>One platform backup.</summary>
internal sealed record ManagementBackup(
    [property: JsonPropertyName("id")] long? Id,
    [property: JsonPropertyName("is_physical_backup")] bool IsPhysicalBackup,
    [property: JsonPropertyName("status")] string? Status,
    [property: JsonPropertyName("inserted_at")] DateTimeOffset? InsertedAt);

/// <summary>The window of physical backups (PITR), in Unix seconds.</summary>
internal sealed record ManagementPhysicalBackupData(
    [property: JsonPropertyName("earliest_physical_backup_date_unix")] long? EarliestUnix,
    [property: JsonPropertyName("latest_physical_backup_date_unix")] long? LatestUnix);

/// <summary><c>GET /v1/projects/{ref}/billing/addons</c> (the selected add-ons).</summary>
internal sealed record ManagementAddons(
    [property: JsonPropertyName("selected_addons")] IReadOnlyList<ManagementAddon>? SelectedAddons);

/// <summary>One add-on.</summary>
internal sealed record ManagementAddon(
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("variant")] ManagementAddonVariant? Variant);

/// <summary>An add-on's variant, such as <c>pitr_7</c>.</summary>
internal sealed record ManagementAddonVariant(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("name")] string? Name);

/// <summary>The body of <c>POST /v1/projects/{ref}/database/backups/restore-pitr</c>.</summary>
internal sealed record ManagementPitrRestore(
    [property: JsonPropertyName("recovery_time_target_unix")] long RecoveryTimeTargetUnix);
