using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using DataGuard.Backup.Encryption;
using DataGuard.Storage;

namespace DataGuard.Backup;

/// <summary>
/// Writes and reads stored manifests (docs/formats.md). Writing: format 2 manifests get a <c>mac</c> member when a key
/// is at hand. Reading trusts nothing it cannot check: a newer format, an unknown member, a missing or wrong MAC where
/// one is required, an id that is not the folder's, each makes the manifest unreadable, with the reason.
/// </summary>
internal static class ManifestCodec
{
    private static readonly JsonSerializerOptions Strict = new(ManifestSerializer.Options)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowDuplicateProperties = false,
    };

    private static readonly JsonDocumentOptions Document = new() { AllowDuplicateProperties = false };

    /// <summary>The bytes to store: the manifest as indented JSON, with a MAC for format 2 when a key is configured.</summary>
    public static byte[] Write(BackupManifest manifest, EncryptionKeyRing keys)
    {
        var node = JsonNode.Parse(ManifestSerializer.Serialize(manifest))!.AsObject();
        var keyId = keys.CurrentKeyId ?? (manifest.Encryption?.KeyId is { } id && keys.TryGetKey(id, out _) ? id : null);
        if (manifest.FormatVersion >= 2 && keyId is not null && keys.TryGetKey(keyId, out var key))
        {
            ManifestMac.Sign(node, keyId, key);
        }

        return JsonSerializer.SerializeToUtf8Bytes(node, ManifestSerializer.TypeInfo<JsonObject>(ManifestSerializer.Options));
    }

    /// <summary>Reads a stored manifest of the folder <paramref name="folderId"/>.</summary>
    /// <returns>The manifest, or why it cannot be used.</returns>
    public static (BackupManifest? Manifest, string? Problem) Read(ReadOnlySpan<byte> json, string folderId, EncryptionKeyRing keys)
    {
        JsonObject node;
        try
        {
            node = JsonNode.Parse(json, documentOptions: Document) as JsonObject
                ?? throw new JsonException("it is not a JSON object");
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException)
        {
            return (null, $"it is not valid JSON (corrupt or cut short): {ex.Message.TrimEnd('.')}");
        }

        if (!node.TryGetPropertyValue("formatVersion", out var versionNode) || versionNode is not JsonValue versionValue
            || !versionValue.TryGetValue<int>(out var version) || version < 1)
        {
            return (null, "it has no valid formatVersion");
        }

        if (version > BackupManifest.CurrentFormatVersion)
        {
            return (null, $"it is in manifest format {version}, written by a newer DataGuard (this one reads formats 1 to {BackupManifest.CurrentFormatVersion}): read it with that version");
        }

        var mac = ManifestMac.Verify(node, keys, out var macKeyId);
        switch (mac)
        {
            case ManifestMacStatus.Invalid:
                return (null, $"its MAC (key id '{macKeyId}') does not match: the manifest was changed without the key");
            case ManifestMacStatus.WrongKey:
                return (null, $"the key configured for key id '{macKeyId}' is not the key this manifest was authenticated with (check DataGuard:Backup:Encryption)");
            case ManifestMacStatus.Malformed:
                return (null, "its MAC member is malformed");
            case ManifestMacStatus.UnknownKey when keys.CurrentKeyId is not null:
                return (null, $"its MAC is under key id '{macKeyId}', which is not configured, so it cannot be verified (add the key to DataGuard:Backup:Encryption:Keys)");
        }

        node.Remove(ManifestMac.PropertyName);
        var encryption = node.TryGetPropertyValue("encryption", out var encryptionNode) && encryptionNode is JsonObject;
        if (mac == ManifestMacStatus.Missing && keys.RefusesUnencrypted && (version >= 2 || !encryption))
        {
            return (null, version >= 2
                ? "it carries no MAC, and encryption is configured: a manifest this deployment trusts must be authenticated with its key"
                : "it is an unauthenticated manifest of an unencrypted backup, and encryption is configured: refusing unencrypted object (set DataGuard:Backup:Encryption:AllowUnencryptedRead while migrating from unencrypted backups)");
        }

        BackupManifest manifest;
        try
        {
            manifest = node.Deserialize(ManifestSerializer.TypeInfo<BackupManifest>(Strict)) ?? throw new JsonException("it is empty");
        }
        catch (JsonException ex)
        {
            return (null, ex.Message.Contains("could not be mapped", StringComparison.Ordinal)
                ? $"it has a member this DataGuard does not know (written by a newer DataGuard?): {ex.Message.TrimEnd('.')}"
                : $"it is not a valid manifest: {ex.Message.TrimEnd('.')}");
        }

        if (!string.Equals(manifest.Id, folderId, StringComparison.Ordinal))
        {
            return (null, $"it names backup '{manifest.Id}', not its folder's '{folderId}'");
        }

        if (!manifest.DataKey.StartsWith(StorageLayout.BackupFolder(folderId), StringComparison.Ordinal))
        {
            return (null, $"its data key '{manifest.DataKey}' lies outside its folder");
        }

        if (ParallelDump.BackupObjects.Problem(manifest, folderId) is { } objectsProblem)
        {
            return (null, objectsProblem);
        }

        if (manifest.Encryption is null && keys.RefusesUnencrypted)
        {
            return (null, "it describes an unencrypted archive, and encryption is configured: refusing unencrypted object (set DataGuard:Backup:Encryption:AllowUnencryptedRead while migrating from unencrypted backups)");
        }

        return (manifest, null);
    }
}
