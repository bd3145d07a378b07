using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;

namespace DataGuard.Supabase.Storage;

/// <summary>
/// Storage through the project's REST API (<c>https://&lt;ref&gt;.supabase.co/storage/v1</c>) with the service key in
/// <c>Authorization: Bearer</c> and <c>apikey</c>: <c>GET /bucket</c>, <c>POST /object/list/{bucket}</c> (one folder level
/// per call, 1000 entries a page, folders have no id), <c>GET /object/{bucket}/{name}</c> and
/// <c>POST /object/{bucket}/{name}</c> with <c>x-upsert: true</c>.
/// </summary>
internal sealed class SupabaseRestObjectStore : ISupabaseObjectStore
{
    private const int PageSize = 1000;
    private readonly HttpClient _http;
    private readonly string _key;

    public SupabaseRestObjectStore(SupabaseStorageOptions options)
    {
        _key = options.ServiceKey!;
        _http = new HttpClient { BaseAddress = new Uri(options.RestUrl!.TrimEnd('/') + "/"), Timeout = TimeSpan.FromMinutes(10) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _key);
        _http.DefaultRequestHeaders.Add("apikey", _key);
        Describe = $"REST API {options.RestUrl}";
    }

    public string Describe { get; }

    public async Task<IReadOnlyList<string>> ListBucketsAsync(CancellationToken cancellationToken)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, "bucket"), "GET /bucket", cancellationToken).ConfigureAwait(false);
        var buckets = await response.Content.ReadFromJsonAsync(SupabaseApiJsonContext.Default.ListRestBucket, cancellationToken).ConfigureAwait(false) ?? [];
        return buckets.Select(b => b.Id ?? b.Name ?? string.Empty).Where(b => b.Length > 0).Order(StringComparer.Ordinal).ToList();
    }

    public async IAsyncEnumerable<SupabaseObject> ListAsync(string bucket, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var folders = new Queue<string>([string.Empty]);
        while (folders.TryDequeue(out var prefix))
        {
            for (var offset = 0; ; offset += PageSize)
            {
                var request = new HttpRequestMessage(HttpMethod.Post, $"object/list/{Uri.EscapeDataString(bucket)}")
                {
                    Content = JsonContent.Create(new RestListRequest(prefix, PageSize, offset, new RestSortBy("name", "asc")), SupabaseApiJsonContext.Default.RestListRequest),
                };
                List<RestListEntry> page;
                using (var response = await SendAsync(request, $"POST /object/list/{bucket}", cancellationToken).ConfigureAwait(false))
                {
                    page = await response.Content.ReadFromJsonAsync(SupabaseApiJsonContext.Default.ListRestListEntry, cancellationToken).ConfigureAwait(false) ?? [];
                }

                foreach (var entry in page)
                {
                    var name = prefix.Length == 0 ? entry.Name : $"{prefix}/{entry.Name}";
                    if (entry.Id is null)
                    {
                        folders.Enqueue(name);   // a folder: its own listing
                        continue;
                    }

                    yield return new SupabaseObject(bucket, name, entry.Metadata?.Size ?? 0, (entry.Metadata?.ETag ?? string.Empty).Trim('"'), entry.Metadata?.Mimetype);
                }

                if (page.Count < PageSize)
                {
                    break;
                }
            }
        }
    }

    public async Task<Stream> OpenReadAsync(string bucket, string name, CancellationToken cancellationToken)
    {
        var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, ObjectPath(bucket, name)), $"GET /object/{bucket}/{name}", cancellationToken, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        return await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task WriteAsync(string bucket, string name, Stream content, long size, string? contentType, CancellationToken cancellationToken)
    {
        var body = new StreamContent(content);
        body.Headers.ContentType = new MediaTypeHeaderValue(contentType ?? "application/octet-stream");
        body.Headers.ContentLength = size;
        var request = new HttpRequestMessage(HttpMethod.Post, ObjectPath(bucket, name)) { Content = body };
        request.Headers.Add("x-upsert", "true");
        using var response = await SendAsync(request, $"POST /object/{bucket}/{name}", cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _http.Dispose();

    private static string ObjectPath(string bucket, string name) =>
        $"object/{Uri.EscapeDataString(bucket)}/{string.Join('/', name.Split('/').Select(Uri.EscapeDataString))}";

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string call, CancellationToken cancellationToken, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new DataGuardException($"Supabase Storage {call}: cannot reach {Describe}: {ex.Message.Replace(_key, "***", StringComparison.Ordinal)}", ex) { Operation = "supabase-storage" };
        }
        finally
        {
            request.Dispose();
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            text = text.Replace(_key, "***", StringComparison.Ordinal);
            // Storage answers some refusals as HTTP 400 with the real status in the body: {"statusCode":"403","error":"Unauthorized",...}.
            var refused = (int)response.StatusCode is 401 or 403
                || text.Contains("\"statusCode\":\"403\"", StringComparison.Ordinal) || text.Contains("\"statusCode\":\"401\"", StringComparison.Ordinal)
                || text.Contains("\"error\":\"Unauthorized\"", StringComparison.Ordinal);
            var hint = refused ? " (refused: DataGuard:Supabase:Storage:ServiceKey must be the project's service_role key)" : string.Empty;
            throw new DataGuardException($"Supabase Storage {call} answered {(int)response.StatusCode}{hint}: {(text.Length > 300 ? text[..300] + "..." : text)}") { Operation = "supabase-storage" };
        }
    }

    /// <summary>The body of <c>POST /object/list/{bucket}</c>.</summary>
    internal sealed record RestListRequest(
        [property: JsonPropertyName("prefix")] string Prefix,
        [property: JsonPropertyName("limit")] int Limit,
        [property: JsonPropertyName("offset")] int Offset,
        [property: JsonPropertyName("sortBy")] RestSortBy SortBy);

    /// <summary>The order of a listing.</summary>
    internal sealed record RestSortBy(
        [property: JsonPropertyName("column")] string Column,
        [property: JsonPropertyName("order")] string Order);

    internal sealed record RestBucket([property: JsonPropertyName("id")] string? Id, [property: JsonPropertyName("name")] string? Name);

    internal sealed record RestListEntry(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("id")] string? Id,
        [property: JsonPropertyName("metadata")] RestMetadata? Metadata);

    internal sealed record RestMetadata(
        [property: JsonPropertyName("eTag")] string? ETag,
        [property: JsonPropertyName("size")] long? Size,
        [property: JsonPropertyName("mimetype")] string? Mimetype);
}
