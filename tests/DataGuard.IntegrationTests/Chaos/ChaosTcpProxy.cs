using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace DataGuard.IntegrationTests.Chaos;

/// <summary>
/// A TCP forwarder in front of the chaos suite's S3 server, so that a scenario can reset every connection open at one
/// instant (a network blip, a load balancer dropping connections) while the server itself stays up and answers the
/// next request.
/// </summary>
internal sealed class ChaosTcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _upstreamPort;
    private readonly ConcurrentDictionary<Link, byte> _links = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public ChaosTcpProxy(int upstreamPort)
    {
        _upstreamPort = upstreamPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = Task.Run(AcceptAsync);
    }

    public int Port { get; }

    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>Resets every connection open now (RST both ways); returns how many.</summary>
    public int ResetAll()
    {
        var count = 0;
        foreach (var link in _links.Keys)
        {
            if (_links.TryRemove(link, out _))
            {
                link.Reset();
                count++;
            }
        }

        return count;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        ResetAll();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => ForwardAsync(client));
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        var server = new TcpClient();
        try
        {
            await server.ConnectAsync(IPAddress.Loopback, _upstreamPort);
        }
        catch (SocketException)
        {
            // The server is down: the client sees its connection reset, as it would see one refused.
            new Link(client, server).Reset();
            return;
        }

        var link = new Link(client, server);
        _links[link] = 0;
        try
        {
            using var done = new CancellationTokenSource();
            var up = client.GetStream().CopyToAsync(server.GetStream(), done.Token);
            var down = server.GetStream().CopyToAsync(client.GetStream(), done.Token);
            await Task.WhenAny(up, down);
            await done.CancelAsync();
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            if (_links.TryRemove(link, out _))
            {
                link.Close();
            }
        }
    }

    private sealed class Link(TcpClient client, TcpClient server)
    {
        public void Reset()
        {
            foreach (var side in new[] { client, server })
            {
                try
                {
                    side.Client.LingerState = new LingerOption(true, 0);
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                }

                side.Dispose();
            }
        }

        public void Close()
        {
            client.Dispose();
            server.Dispose();
        }
    }
}
