using System.Net;
using System.Net.Sockets;

namespace DataGuard.IntegrationTests.Infrastructure;

/// <summary>
/// A reverse proxy in front of s3rver that answers some requests itself with an S3 error (503 SlowDown, 500
/// InternalError) instead of forwarding them, as a real S3 does under throttling or an outage. The Host header is
/// forwarded unchanged, so SigV4 signatures stay valid.
/// </summary>
public sealed class FaultyS3Proxy : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly HttpClient _upstream;
    private readonly Func<HttpListenerRequest, int, (int Status, string Code)?> _fault;
    private readonly Task _loop;
    private int _requests;

    public FaultyS3Proxy(string upstream, Func<HttpListenerRequest, int, (int Status, string Code)?> fault)
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _upstream = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(upstream), Timeout = TimeSpan.FromMinutes(2) };
        _fault = fault;
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(AcceptAsync);
    }

    public int Port { get; }

    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>Gets every request seen, as <c>METHOD path?query</c>.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Seen { get; } = new();

    /// <summary>Gets the requests answered with a fault.</summary>
    public int Faults { get; private set; }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _listener.Close();
        _upstream.Dispose();
    }

    private async Task AcceptAsync()
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

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        Seen.Enqueue($"{request.HttpMethod} {request.RawUrl}");
        try
        {
            if (_fault(request, Interlocked.Increment(ref _requests)) is { } fault)
            {
                Faults++;
                await request.InputStream.CopyToAsync(Stream.Null);
                response.StatusCode = fault.Status;
                response.ContentType = "application/xml";
                var body = System.Text.Encoding.UTF8.GetBytes($"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{fault.Code}</Code><Message>injected by the test proxy</Message></Error>");
                await response.OutputStream.WriteAsync(body);
                response.Close();
                return;
            }

            using var forward = new HttpRequestMessage(new HttpMethod(request.HttpMethod), request.RawUrl);
            if (request.HasEntityBody || request.ContentLength64 > 0)
            {
                forward.Content = new StreamContent(request.InputStream);
            }

            foreach (var name in request.Headers.AllKeys.OfType<string>())
            {
                var value = request.Headers[name]!;
                if (name is "Host")
                {
                    forward.Headers.Host = value;
                }
                else if (name is "Content-Length" or "Content-Type" or "Content-MD5" or "Content-Encoding" or "Content-Disposition" or "Expires")
                {
                    forward.Content?.Headers.TryAddWithoutValidation(name, value);
                }
                else if (name is not ("Connection" or "Transfer-Encoding" or "Expect"))
                {
                    forward.Headers.TryAddWithoutValidation(name, value);
                }
            }

            using var answer = await _upstream.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead);
            response.StatusCode = (int)answer.StatusCode;
            foreach (var header in answer.Headers.Concat(answer.Content.Headers))
            {
                if (header.Key is "Transfer-Encoding" or "Connection" or "Content-Length")
                {
                    continue;
                }

                response.Headers[header.Key] = string.Join(",", header.Value);
            }

            if (answer.Content.Headers.ContentLength is { } length)
            {
                response.ContentLength64 = length;
            }

            await answer.Content.CopyToAsync(response.OutputStream);
            response.Close();
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or HttpRequestException)
        {
            response.Abort();
        }
    }
}
