using System.Text.Json;
using System.Text.Json.Serialization;

namespace DataGuard.Export;

/// <summary>Compile-time JSON metadata of what <see cref="PdfValues"/> serializes (JSON values, re-indented): no reflection, so trimmed and native AOT builds work alike.</summary>
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class PdfJsonContext : JsonSerializerContext;
