using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DataGuard.Supabase.Management;

/// <summary>
/// The few Management API calls DataGuard makes (<c>/v1/projects/{ref}</c>, its backups, add-ons and PITR restore),
/// with the personal access token as a bearer token. A 429 is retried after the wait the API asks for
/// (<c>Retry-After</c>, else <c>X-RateLimit-Reset</c>, else a doubling back-off); 401/403 are explained. The token is
/// never in a message, a log line or an exception.
/// </summary>
internal sealed class SupabaseManagementClient : IDisposable
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(60);
    private readonly HttpClient _http;
    private readonly SupabaseOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public SupabaseManagementClient(IOptions<SupabaseOptions> options, TimeProvider time, ILogger<SupabaseManagementClient> logger)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
        _http = new HttpClient { BaseAddress = new Uri(_options.ManagementApiUrl.TrimEnd('/') + "/"), Timeout = _options.ManagementApiTimeout };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("DataGuard", "1.0"));
    }

    /// <summary>Gets a value indicating whether a project and token are configured.</summary>
    public bool IsConfigured => !string.IsNullOrEmpty(_options.ProjectRef) && !string.IsNullOrEmpty(_options.AccessToken);

    /// <summary>Gets the project reference.</summary>
    public string ProjectRef => _options.ProjectRef ?? string.Empty;

    public Task<ManagementProject> GetProjectAsync(CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"v1/projects/{ProjectRef}", null, SupabaseApiJsonContext.Default.ManagementProject, cancellationToken);

    public Task<ManagementBackups> GetBackupsAsync(CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"v1/projects/{ProjectRef}/database/backups", null, SupabaseApiJsonContext.Default.ManagementBackups, cancellationToken);

    public Task<ManagementAddons> GetAddonsAsync(CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"v1/projects/{ProjectRef}/billing/addons", null, SupabaseApiJsonContext.Default.ManagementAddons, cancellationToken);

    public async Task RestorePitrAsync(DateTimeOffset target, CancellationToken cancellationToken)
    {
        var body = new ManagementPitrRestore(target.ToUnixTimeSeconds());
        await SendAsync<object>(HttpMethod.Post, $"v1/projects/{ProjectRef}/database/backups/restore-pitr", () => JsonContent.Create(body, SupabaseApiJsonContext.Default.ManagementPitrRestore), null, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _http.Dispose();

    /// <summary>Sends a request (again after a 429) and reads the answer.</summary>
    /// <param name="method">The method.</param>
    /// <param name="path">The path, relative to the API's URL.</param>
    /// <param name="body">Makes the request's body (one per attempt), or <see langword="null"/> for none.</param>
    /// <param name="answer">The answer's type, or <see langword="null"/> to leave the answer unread (and return <see langword="null"/>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The answer; <see langword="null"/> when unread or empty (<c>Content-Length: 0</c>).</returns>
    private async Task<T> SendAsync<T>(HttpMethod method, string path, Func<HttpContent>? body, JsonTypeInfo<T>? answer, CancellationToken cancellationToken)
    {
        if (!IsConfigured)
        {
            throw new SupabaseApiException($"The Management API needs {SupabaseOptions.SectionPath}:ProjectRef and {SupabaseOptions.SectionPath}:AccessToken (a personal access token from https://supabase.com/dashboard/account/tokens, kept in the environment as DataGuard__Supabase__AccessToken).");
        }

        var call = $"{method} /{path}";
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.AccessToken);
            if (body is not null)
            {
                request.Content = body();
            }

            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                throw new SupabaseApiException($"{call}: cannot reach the Management API at {_http.BaseAddress}: {Scrub(ex.Message)}", null, ex);
            }
            catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new SupabaseApiException($"{call}: the Management API did not answer within {_options.ManagementApiTimeout.TotalSeconds:F0} s ({SupabaseOptions.SectionPath}:ManagementApiTimeout).", null, ex);
            }

            using (response)
            {
                if (response.StatusCode == HttpStatusCode.TooManyRequests && attempt < _options.MaxRateLimitRetries)
                {
                    var wait = WaitOf(response, attempt);
                    SupabaseLog.RateLimited(_logger, call, wait.TotalSeconds);
                    await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (!response.IsSuccessStatusCode)
                {
                    var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                    throw new SupabaseApiException(Explain(call, response.StatusCode, text), (int)response.StatusCode);
                }

                if (answer is null || response.Content.Headers.ContentLength == 0)
                {
                    return default!;
                }

                try
                {
                    return await response.Content.ReadFromJsonAsync(answer, cancellationToken).ConfigureAwait(false)
                        ?? throw new SupabaseApiException($"{call} answered {(int)response.StatusCode} with an empty body.", (int)response.StatusCode);
                }
                catch (JsonException ex)
                {
                    throw new SupabaseApiException($"{call} answered {(int)response.StatusCode} with a body that is not the documented JSON: {ex.Message}", (int)response.StatusCode, ex);
                }
            }
        }
    }

    /// <summary>How long to wait after a 429: Retry-After (seconds or a date), else X-RateLimit-Reset, else 1, 2, 4 ... s; at most a minute.</summary>
    internal TimeSpan WaitOf(HttpResponseMessage response, int attempt)
    {
        TimeSpan? wait = null;
        if (response.Headers.RetryAfter is { } retryAfter)
        {
            wait = retryAfter.Delta ?? (retryAfter.Date is { } date ? date - _time.GetUtcNow() : null);
        }
        else if (response.Headers.TryGetValues("X-RateLimit-Reset", out var values)
            && double.TryParse(values.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var reset))
        {
            // Either a Unix time or a number of seconds until the window resets.
            wait = reset > 1_000_000_000 ? DateTimeOffset.FromUnixTimeSeconds((long)reset) - _time.GetUtcNow() : TimeSpan.FromSeconds(reset);
        }

        var chosen = wait ?? TimeSpan.FromSeconds(Math.Pow(2, attempt));
        return chosen < TimeSpan.Zero ? TimeSpan.Zero : chosen > MaxWait ? MaxWait : chosen;
    }

    private string Explain(string call, HttpStatusCode status, string body)
    {
        var code = (int)status;
        return status switch
        {
            HttpStatusCode.Unauthorized => $"{call} answered 401: the Management API did not accept {SupabaseOptions.SectionPath}:AccessToken (wrong, expired or revoked). Make a new personal access token at https://supabase.com/dashboard/account/tokens.",
            HttpStatusCode.Forbidden => $"{call} answered 403: the access token's account may not do this on project {ProjectRef} (its organisation role, or the plan, does not allow it).",
            HttpStatusCode.NotFound => $"{call} answered 404: no project {ProjectRef} that this access token can see.",
            HttpStatusCode.TooManyRequests => $"{call} answered 429 (rate limited) {_options.MaxRateLimitRetries + 1} times; try again later.",
            _ => $"{call} answered {code}: {Scrub(body.Length > 300 ? body[..300] + "..." : body)}",
        };
    }

    private string Scrub(string text) =>
        string.IsNullOrEmpty(_options.AccessToken) ? text : text.Replace(_options.AccessToken, "***", StringComparison.Ordinal);
}
