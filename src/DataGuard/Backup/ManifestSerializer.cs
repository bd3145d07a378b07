using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace DataGuard.Backup;

/// <summary>Reads and writes manifests as JSON (camelCase, indented, enums as strings).</summary>
internal static class ManifestSerializer
{
    /// <summary>Gets the JSON options of manifests and reports.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = JsonTypeInfoResolver.Combine(ManifestJsonContext.Default, new DefaultJsonTypeInfoResolver()),
    };

    /// <summary>Gets the same options resolving every type by reflection only (tests compare the two).</summary>
    internal static JsonSerializerOptions ReflectionOptions { get; } = new(Options) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

    /// <summary>Serializes a manifest.</summary>
    /// <param name="manifest">The manifest.</param>
    /// <returns>UTF-8 JSON.</returns>
    public static byte[] Serialize(BackupManifest manifest) => JsonSerializer.SerializeToUtf8Bytes(manifest, Options);

    /// <summary>Deserializes a manifest.</summary>
    /// <param name="json">UTF-8 JSON.</param>
    /// <returns>The manifest.</returns>
    /// <exception cref="JsonException">The JSON is not a manifest.</exception>
    public static BackupManifest Deserialize(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize<BackupManifest>(json, Options) ?? throw new JsonException("The manifest is empty.");
}
