namespace DataGuard.Supabase.Storage;

/// <summary>One object of a Storage bucket, as listed.</summary>
/// <param name="Bucket">The bucket.</param>
/// <param name="Name">The object's name (its path in the bucket).</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="ETag">Its ETag, quotes removed (changes when the content does).</param>
/// <param name="ContentType">Its content type, when listed.</param>
internal sealed record SupabaseObject(string Bucket, string Name, long Size, string ETag, string? ContentType);
