using System.Text.Json.Serialization;

namespace DataGuard.Supabase.Storage;

/// <summary>
/// Compile-time JSON metadata of the manifests of Storage copies (<c>supabase-storage/copies/&lt;id&gt;/manifest.json</c>,
/// read back by later versions), with the options they were always written with: the serializer's defaults (the names
/// of <see cref="JsonPropertyNameAttribute"/>, case-sensitive reading, nulls written, the default encoder), indented.
/// Trim- and native-AOT-safe; a test compares the JSON with the reflection serializer's.
/// </summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(SupabaseStorageManifest))]
internal sealed partial class SupabaseStorageManifestJsonContext : JsonSerializerContext;
