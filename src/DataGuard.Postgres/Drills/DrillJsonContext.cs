using System.Text.Json;
using System.Text.Json.Serialization;

namespace DataGuard.Postgres.Drills;

/// <summary>
/// Compile-time JSON metadata of drill reports (<c>drills/&lt;id&gt;.json</c>, read back by later versions), with the
/// options they were always written with: web defaults (camelCase names, case-insensitive reading, numbers also read
/// from strings), indented, nulls written, the default encoder. Trim- and native-AOT-safe; a test compares the JSON
/// with the reflection serializer's.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(DrillReport))]
internal sealed partial class DrillJsonContext : JsonSerializerContext;
