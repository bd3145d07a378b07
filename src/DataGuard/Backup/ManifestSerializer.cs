using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace DataGuard.Backup;

/// <summary>Reads and writes manifests as JSON (camelCase, indented, enums as strings).</summary>
internal static class ManifestSerializer
{
    /// <summary>
    /// Gets the JSON options of manifests and of the other records stored beside them (quarantine markers): web
    /// defaults (camelCase), indented, nulls left out, non-ASCII text unescaped, a backup's status as a camelCase string.
    /// Every type is resolved by <see cref="ManifestJsonContext"/> (compile-time metadata, no reflection: trimmed and
    /// native AOT builds write the same bytes); a type it does not list is refused (<see cref="NotSupportedException"/>).
    /// A package that stores its own records in this format copies the options with its own context:
    /// <c>new JsonSerializerOptions(ManifestSerializer.Options) { TypeInfoResolver = ItsContext.Default }</c>.
    /// </summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions(ManifestJsonContext.Default);

    /// <summary>Serializes a manifest.</summary>
    /// <param name="manifest">The manifest.</param>
    /// <returns>UTF-8 JSON.</returns>
    public static byte[] Serialize(BackupManifest manifest) => JsonSerializer.SerializeToUtf8Bytes(manifest, TypeInfo<BackupManifest>(Options));

    /// <summary>Deserializes a manifest.</summary>
    /// <param name="json">UTF-8 JSON.</param>
    /// <returns>The manifest.</returns>
    /// <exception cref="JsonException">The JSON is not a manifest.</exception>
    public static BackupManifest Deserialize(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize(json, TypeInfo<BackupManifest>(Options)) ?? throw new JsonException("The manifest is empty.");

    /// <summary>
    /// The settings of <see cref="Options"/> with another resolver. The only enum manifests hold is
    /// <see cref="BackupStatus"/>; its converter is the generic one (the non-generic <c>JsonStringEnumConverter</c> needs
    /// run-time code generation), with the same names.
    /// </summary>
    /// <param name="resolver">Resolves the types.</param>
    /// <returns>New options.</returns>
    internal static JsonSerializerOptions CreateOptions(IJsonTypeInfoResolver resolver) => new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter<BackupStatus>(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = resolver,
    };

    /// <summary>The metadata of <typeparamref name="T"/> bound to <paramref name="options"/> (its encoder and converters).</summary>
    /// <typeparam name="T">A type <see cref="ManifestJsonContext"/> lists.</typeparam>
    /// <param name="options">Options whose resolver is <see cref="ManifestJsonContext"/>.</param>
    /// <returns>The metadata.</returns>
    internal static JsonTypeInfo<T> TypeInfo<T>(JsonSerializerOptions options) => (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
}
