using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DataGuard.Postgres.Pitr;

/// <summary>
/// Compile-time JSON metadata of restore points (<c>pitr/restore-points/&lt;name&gt;.json</c>, read back by later
/// versions). They were written with the options of manifests (<c>ManifestSerializer.Options</c>): web defaults
/// (camelCase names, case-insensitive reading, numbers also read from strings), indented, nulls left out, the relaxed
/// encoder (and enums as camelCase strings, which a restore point has none of). <see cref="Stored"/> has exactly those
/// options; the encoder cannot be said in <see cref="JsonSourceGenerationOptionsAttribute"/>, hence the instance. Kept
/// here rather than copied from the engine's options so that the stored format cannot change with them; a test compares
/// the JSON with the reflection serializer's.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RestorePoint))]
internal sealed partial class RestorePointJsonContext : JsonSerializerContext
{
    /// <summary>Gets the context with the options restore points are stored with.</summary>
    public static RestorePointJsonContext Stored { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
