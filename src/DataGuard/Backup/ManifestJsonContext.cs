using System.Text.Json.Serialization;

namespace DataGuard.Backup;

/// <summary>
/// Compile-time JSON metadata of manifests: a backup writes its manifest once and every command that lists or reads
/// backups parses them, and the reflection serializer spent about 80 ms of each short CLI run building converters and
/// emitting accessors for these types (docs/benchmarks.md, "Start-up"). <see cref="ManifestSerializer.Options"/>
/// resolves these types here first and any other type by reflection, so the JSON is the same either way (a test
/// compares both on generated manifests).
/// </summary>
[JsonSerializable(typeof(BackupManifest))]
internal sealed partial class ManifestJsonContext : JsonSerializerContext;
