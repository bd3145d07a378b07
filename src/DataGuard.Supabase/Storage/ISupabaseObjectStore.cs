namespace DataGuard.Supabase.Storage;

/// <summary>The project's Storage, read and written through its S3-compatible endpoint or its REST API.</summary>
internal interface ISupabaseObjectStore : IDisposable
{
    /// <summary>Gets a description for messages (the endpoint, never a key).</summary>
    string Describe { get; }

    Task<IReadOnlyList<string>> ListBucketsAsync(CancellationToken cancellationToken);

    IAsyncEnumerable<SupabaseObject> ListAsync(string bucket, CancellationToken cancellationToken);

    Task<Stream> OpenReadAsync(string bucket, string name, CancellationToken cancellationToken);

    /// <summary>Writes an object (replacing one of the same name).</summary>
    Task WriteAsync(string bucket, string name, Stream content, long size, string? contentType, CancellationToken cancellationToken);
}
