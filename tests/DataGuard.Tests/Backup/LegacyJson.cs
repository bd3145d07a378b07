using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace DataGuard.Tests.Backup;

/// <summary>
/// The JSON settings stored records were written with before compile-time metadata was the only resolver, kept here to
/// compare against: <c>ManifestSerializer.Options</c> as it was (every type resolved by reflection, the non-generic
/// enum converter), and <c>PdfValues</c>' indented options. Tests only: reflection is what trimmed and native AOT
/// builds of DataGuard must not need.
/// </summary>
internal static class LegacyJson
{
    /// <summary>Gets the manifest options as they were, resolving every type by reflection.</summary>
    public static JsonSerializerOptions Manifest { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };

    /// <summary>Gets the options <c>PdfValues</c> re-indented JSON values with.</summary>
    public static JsonSerializerOptions PdfIndented { get; } = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };
}
