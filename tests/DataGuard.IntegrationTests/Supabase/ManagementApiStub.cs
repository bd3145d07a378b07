using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace DataGuard.IntegrationTests.Supabase;

/// <summary>
/// A local stand-in for the Supabase Management API on loopback: the endpoints DataGuard calls, with the response shapes
/// of the published OpenAPI document (<c>GET /v1/projects/{ref}</c>, <c>.../database/backups</c>,
/// <c>.../billing/addons</c>, <c>POST .../database/backups/restore-pitr</c>), bearer-token checks (401 with the API's
/// <c>{"message": ...}</c> body), a number of 429 answers first (with <c>Retry-After</c>), and a PITR restore that passes
/// through RESTORING for a few reads of the project.
/// </summary>
public sealed class ManagementApiStub : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly string _token;
    private int _restoringReads;

    public ManagementApiStub(string projectRef, string token)
    {
        ProjectRef = projectRef;
        _token = token;
        var port = FreePort();
        Url = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string Url { get; }

    public string ProjectRef { get; }

    public string Status { get; set; } = "ACTIVE_HEALTHY";

    public bool PitrEnabled { get; set; } = true;

    public string? PitrAddon { get; set; } = "pitr_7";

    public DateTimeOffset Now { get; set; } = DateTimeOffset.UtcNow;

    public TimeSpan LatestBackupAge { get; set; } = TimeSpan.FromHours(3);

    public TimeSpan PitrWindow { get; set; } = TimeSpan.FromDays(7.5);

    /// <summary>Gets or sets how many requests are answered 429 before the others are served.</summary>
    public int RateLimitedRequests { get; set; }

    public int RetryAfterSeconds { get; set; } = 1;

    public ConcurrentQueue<string> Requests { get; } = new();

    public ConcurrentQueue<string> Bodies { get; } = new();

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (HttpListenerException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        _listener.Close();
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
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
                // The client went away.
            }
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var path = request.Url!.AbsolutePath;
        Requests.Enqueue($"{request.HttpMethod} {path}");
        using (var reader = new StreamReader(request.InputStream))
        {
            Bodies.Enqueue(await reader.ReadToEndAsync());
        }

        if (request.Headers["Authorization"] != $"Bearer {_token}")
        {
            await WriteAsync(response, 401, new { message = "Unauthorized" });
            return;
        }

        if (RateLimitedRequests > 0)
        {
            RateLimitedRequests--;
            response.Headers["Retry-After"] = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            response.Headers["X-RateLimit-Limit"] = "120";
            response.Headers["X-RateLimit-Remaining"] = "0";
            await WriteAsync(response, 429, new { message = "Too many requests" });
            return;
        }

        var project = $"/v1/projects/{ProjectRef}";
        if (request.HttpMethod == "GET" && path == project)
        {
            var status = Status;
            if (_restoringReads > 0 && --_restoringReads == 0)
            {
                Status = "ACTIVE_HEALTHY";
            }

            await WriteAsync(response, 200, new
            {
                id = ProjectRef,
                organization_id = "org",
                name = "shop",
                region = "eu-central-1",
                created_at = "2025-01-01T00:00:00Z",
                status,
                database = new { host = $"db.{ProjectRef}.supabase.co", version = "15.8.1.054", postgres_engine = "15", release_channel = "ga" },
            });
        }
        else if (request.HttpMethod == "GET" && path == project + "/database/backups")
        {
            var latest = Now - LatestBackupAge;
            await WriteAsync(response, 200, new
            {
                region = "eu-central-1",
                walg_enabled = true,
                pitr_enabled = PitrEnabled,
                backups = PitrEnabled ? Array.Empty<object>() : new object[]
                {
                    new { is_physical_backup = true, status = "COMPLETED", inserted_at = (latest - TimeSpan.FromDays(1)).ToString("O") },
                    new { is_physical_backup = true, status = "COMPLETED", inserted_at = latest.ToString("O") },
                    new { is_physical_backup = true, status = "FAILED", inserted_at = (latest + TimeSpan.FromHours(1)).ToString("O") },
                },
                physical_backup_data = PitrEnabled
                    ? new { earliest_physical_backup_date_unix = (Now - LatestBackupAge - PitrWindow).ToUnixTimeSeconds(), latest_physical_backup_date_unix = (Now - LatestBackupAge).ToUnixTimeSeconds() }
                    : (object)new { },
            });
        }
        else if (request.HttpMethod == "GET" && path == project + "/billing/addons")
        {
            await WriteAsync(response, 200, new
            {
                selected_addons = PitrAddon is null ? Array.Empty<object>() : [new { type = "pitr", variant = new { id = PitrAddon, name = "7 days", price = new { description = "$100/month", type = "fixed", interval = "monthly", amount = 100 } } }],
                available_addons = Array.Empty<object>(),
            });
        }
        else if (request.HttpMethod == "POST" && path == project + "/database/backups/restore-pitr")
        {
            Status = "RESTORING";
            _restoringReads = 3;
            response.StatusCode = 201;
            response.Close();
        }
        else
        {
            await WriteAsync(response, 404, new { message = "Not found" });
        }
    }

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
