using System.Text.Json.Serialization;

namespace DataGuard.Postgres.Retention;

/// <summary>
/// <c>retention_results.details</c> (jsonb) of one policy's run: the JSON object that was a dictionary of these keys,
/// in this order, with the serializer's defaults (nulls written, not indented, the default encoder). Typed so that it
/// serializes with compile-time metadata (trim- and native-AOT-safe); a test compares it with the dictionary's JSON.
/// </summary>
internal sealed record RetentionResultDetails(
    [property: JsonPropertyName("parentsHeldByChildren")] long ParentsHeldByChildren,
    [property: JsonPropertyName("keptByReferences")] long KeptByReferences,
    [property: JsonPropertyName("cascades")] IReadOnlyList<RetentionResultDetails.Cascade> Cascades,
    [property: JsonPropertyName("archives")] IReadOnlyList<string> Archives,
    [property: JsonPropertyName("holds")] IReadOnlyList<RetentionResultDetails.Hold> Holds,
    [property: JsonPropertyName("rowIdentity")] string RowIdentity,
    [property: JsonPropertyName("skipped")] long Skipped,
    [property: JsonPropertyName("skipReasons")] IReadOnlyList<string> SkipReasons,
    [property: JsonPropertyName("sample")] IReadOnlyList<string> Sample)
{
    /// <summary>The details of a policy's result.</summary>
    /// <param name="r">The result.</param>
    /// <returns>Its details.</returns>
    public static RetentionResultDetails Of(RetentionPolicyResult r) => new(
        r.ParentsHeldByChildren,
        r.RowsKeptByReferences,
        r.Cascades.Select(c => new Cascade(c.Table, c.Constraint, c.OnDelete, c.Rows)).ToList(),
        r.Archives,
        r.Holds.Select(h => new Hold(h.HoldId, h.Rows)).ToList(),
        r.RowIdentity ?? string.Empty,
        r.RowsSkipped,
        r.SkipReasons,
        r.SampleKeys);

    /// <summary>One of <see cref="RetentionPolicyResult.Cascades"/>.</summary>
    internal sealed record Cascade(
        [property: JsonPropertyName("table")] string Table,
        [property: JsonPropertyName("constraint")] string Constraint,
        [property: JsonPropertyName("onDelete")] string OnDelete,
        [property: JsonPropertyName("rows")] long Rows);

    /// <summary>One of <see cref="RetentionPolicyResult.Holds"/>.</summary>
    internal sealed record Hold(
        [property: JsonPropertyName("hold")] long HoldId,
        [property: JsonPropertyName("rows")] long Rows);
}

/// <summary>Compile-time JSON metadata of <see cref="RetentionResultDetails"/>, with the serializer's default options.</summary>
[JsonSerializable(typeof(RetentionResultDetails))]
internal sealed partial class RetentionJsonContext : JsonSerializerContext;
