using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace DataGuard.Backup;

/// <summary>
/// Compile-time JSON metadata of manifests and of the records stored beside them: a backup writes its manifest once and
/// every command that lists or reads backups parses them, and the reflection serializer spent about 80 ms of each short
/// CLI run building converters and emitting accessors for these types (docs/benchmarks.md, "Start-up"); and trimmed or
/// native AOT builds have no reflection serializer at all. <see cref="ManifestSerializer.Options"/> resolves every type
/// here, and the JSON is the bytes the reflection serializer wrote before (tests compare both on generated values and
/// against files written by it).
/// </summary>
[JsonSerializable(typeof(BackupManifest))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(QuarantineMarker))]
internal sealed partial class ManifestJsonContext : JsonSerializerContext;
