using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace DataGuard.IntegrationTests.Supabase;

/// <summary>
/// A local stand-in for Supabase Storage's REST API (<c>/storage/v1</c>), shaped on its documented routes: <c>GET /bucket</c>
/// (bucket objects with id and name), <c>POST /object/list/{bucket}</c> with <c>{prefix, limit, offset, sortBy}</c> (one
/// folder level; folders as entries with a null id and null metadata; files with <c>metadata {eTag, size, mimetype}</c>),
/// <c>GET /object/{bucket}/{path}</c> and <c>POST /object/{bucket}/{path}</c> (409 unless <c>x-upsert: true</c> for an
/// existing name). Requests must carry the service key as <c>Authorization: Bearer</c> and <c>apikey</c>.
/// </summary>
public sealed class StorageRestStub : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly string _key;

    public StorageRestStub(string serviceKey)
    {
        _key = serviceKey;
        using (var socket = new TcpListener(IPAddress.Loopback, 0))
        {
            socket.Start();
            Root = $"http://127.0.0.1:{((IPEndPoint)socket.LocalEndpoint).Port}/";
        }

        _listener.Prefixes.Add(Root);
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string Root { get; }

    public string Url => Root + "storage/v1";

    /// <summary>Gets the objects by bucket, then name.</summary>
    public ConcurrentDictionary<string, ConcurrentDictionary<string, (byte[] Bytes, string ContentType)>> Buckets { get; } = new();

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
        {
        }

        _listener.Close();
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                await HandleAsync(context);
            }
            catch (Exception ex) when (ex is HttpListenerException or IOException)
            {
            }
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        if (request.Headers["Authorization"] != $"Bearer {_key}" || request.Headers["apikey"] != _key)
        {
            await WriteAsync(response, 400, new { statusCode = "403", error = "Unauthorized", message = "Invalid Compact JWS" });
            return;
        }

        var path = request.Url!.AbsolutePath;
        const string root = "/storage/v1/";
        var route = Uri.UnescapeDataString(path[root.Length..].TrimEnd('/'));
        if (request.HttpMethod == "GET" && route == "bucket")
        {
            await WriteAsync(response, 200, Buckets.Keys.Order(StringComparer.Ordinal).Select(b => new { id = b, name = b, owner = string.Empty, @public = false, created_at = "2026-01-01T00:00:00Z", updated_at = "2026-01-01T00:00:00Z" }));
        }
        else if (request.HttpMethod == "POST" && route.StartsWith("object/list/", StringComparison.Ordinal))
        {
            var bucket = route["object/list/".Length..];
            using var body = await JsonDocument.ParseAsync(request.InputStream);
            var prefix = body.RootElement.GetProperty("prefix").GetString() ?? string.Empty;
            var limit = body.RootElement.GetProperty("limit").GetInt32();
            var offset = body.RootElement.GetProperty("offset").GetInt32();
            var objects = Buckets.GetValueOrDefault(bucket) ?? new();
            var start = prefix.Length == 0 ? string.Empty : prefix.TrimEnd('/') + "/";
            var level = objects.Keys.Where(n => n.StartsWith(start, StringComparison.Ordinal))
                .Select(n => n[start.Length..])
                .Select(rest => rest.Contains('/') ? (Name: rest[..rest.IndexOf('/')], Folder: true) : (Name: rest, Folder: false))
                .Distinct()
                .OrderBy(e => e.Name, StringComparer.Ordinal)
                .Skip(offset).Take(limit)
                .Select(e => e.Folder
                    ? (object)new { name = e.Name, id = (string?)null, updated_at = (string?)null, created_at = (string?)null, last_accessed_at = (string?)null, metadata = (object?)null }
                    : Entry(e.Name, objects[start + e.Name]));
            await WriteAsync(response, 200, level.ToList());
        }
        else if (route.StartsWith("object/", StringComparison.Ordinal))
        {
            var rest = route["object/".Length..];
            var slash = rest.IndexOf('/');
            var (bucket, name) = (rest[..slash], rest[(slash + 1)..]);
            if (request.HttpMethod == "GET")
            {
                if (Buckets.GetValueOrDefault(bucket)?.TryGetValue(name, out var item) != true)
                {
                    await WriteAsync(response, 400, new { statusCode = "404", error = "not_found", message = "Object not found" });
                    return;
                }

                response.StatusCode = 200;
                response.ContentType = item.ContentType;
                response.ContentLength64 = item.Bytes.Length;
                await response.OutputStream.WriteAsync(item.Bytes);
                response.Close();
            }
            else if (request.HttpMethod == "POST")
            {
                var objects = Buckets.GetOrAdd(bucket, _ => new());
                if (objects.ContainsKey(name) && request.Headers["x-upsert"] != "true")
                {
                    await WriteAsync(response, 400, new { statusCode = "409", error = "Duplicate", message = "The resource already exists" });
                    return;
                }

                using var buffer = new MemoryStream();
                await request.InputStream.CopyToAsync(buffer);
                objects[name] = (buffer.ToArray(), request.ContentType ?? "application/octet-stream");
                await WriteAsync(response, 200, new { Id = Guid.NewGuid(), Key = $"{bucket}/{name}" });
            }
        }
        else
        {
            await WriteAsync(response, 404, new { message = "Route not found" });
        }
    }

    private static object Entry(string name, (byte[] Bytes, string ContentType) item) => new
    {
        name,
        id = Guid.NewGuid().ToString(),
        updated_at = "2026-11-01T00:00:00Z",
        created_at = "2026-11-01T00:00:00Z",
        last_accessed_at = "2026-11-01T00:00:00Z",
        metadata = new
        {
            eTag = $"\"{Convert.ToHexStringLower(SHA256.HashData(item.Bytes))[..32]}\"",
            size = item.Bytes.Length,
            mimetype = item.ContentType,
            cacheControl = "max-age=3600",
            lastModified = "2026-11-01T00:00:00Z",
            contentLength = item.Bytes.Length,
            httpStatusCode = 200,
        },
    };

    private static async Task WriteAsync(HttpListenerResponse response, int status, object body)
    {
        var bytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(body));
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
        response.Close();
    }
}
