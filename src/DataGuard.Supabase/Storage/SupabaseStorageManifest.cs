using System.Text.Json.Serialization;

namespace DataGuard.Supabase.Storage;

/// <summary>
/// The manifest of one copy of Storage buckets (<c>supabase-storage/copies/&lt;id&gt;/manifest.json</c>, written last: a
/// copy exists once its manifest does). Each object names the blob that holds its bytes and their SHA-256.
/// </summary>
internal sealed record SupabaseStorageManifest
{
    // Format, Buckets and Objects have set accessors, not init: the compile-time JSON metadata (SupabaseStorageManifestJsonContext)
    // assigns every init-only member when it creates the object, the type's default for one the JSON lacks, where
    // reflection kept the initializer (dotnet/runtime#84484); through set accessors it leaves them alone, as reflection did.
    [JsonPropertyName("format")]
    public int Format { get; set; } = 1;

    [JsonPropertyName("id")]
    public required string Id { get; init; }

    [JsonPropertyName("source")]
    public required string Source { get; init; }

    [JsonPropertyName("started_at")]
    public DateTimeOffset StartedAt { get; init; }

    [JsonPropertyName("finished_at")]
    public DateTimeOffset FinishedAt { get; init; }

    [JsonPropertyName("buckets")]
    public IReadOnlyList<string> Buckets { get; set; } = [];

    [JsonPropertyName("objects")]
    public IReadOnlyList<SupabaseStorageEntry> Objects { get; set; } = [];

    [JsonPropertyName("copied")]
    public int Copied { get; init; }

    [JsonPropertyName("unchanged")]
    public int Unchanged { get; init; }

    [JsonPropertyName("bytes")]
    public long Bytes { get; init; }

    /// <summary>Gets the comparison with the database's <c>storage.objects</c> rows at copy time, when the database was reachable.</summary>
    [JsonPropertyName("reconciliation")]
    public SupabaseStorageReconciliation? Reconciliation { get; init; }
}

/// <summary>One object of a copy.</summary>
internal sealed record SupabaseStorageEntry(
    [property: JsonPropertyName("bucket")] string Bucket,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("etag")] string ETag,
    [property: JsonPropertyName("content_type")] string? ContentType,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("blob")] string Blob);

/// <summary>Objects the bucket and the database disagree on.</summary>
internal sealed record SupabaseStorageReconciliation(
    [property: JsonPropertyName("rows")] int Rows,
    [property: JsonPropertyName("rows_without_object")] IReadOnlyList<string> RowsWithoutObject,
    [property: JsonPropertyName("objects_without_row")] IReadOnlyList<string> ObjectsWithoutRow);
