using System.Text.Json;

namespace DataGuard.Cli;

/// <summary>JSON settings of <c>--json</c> output.</summary>
internal static class CliJson
{
    /// <summary>
    /// Gets the options: web defaults, indented; a backup's status as the manifests write it (<c>"verified"</c>, not a
    /// number), while other enums keep their own converters.
    /// </summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter<DataGuard.Backup.BackupStatus>(JsonNamingPolicy.CamelCase) },
    };
}
