using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace DataGuard.IntegrationTests.Chaos;

/// <summary>
/// A TCP forwarder in front of a server (the chaos suite's S3 server, a test's PostgreSQL), so that a scenario can reset
/// every connection open at one instant (a network blip, a load balancer dropping connections) while the server itself
/// stays up and answers the next request; or freeze: while frozen no byte moves either way and new connections are held
/// unconnected (a server that stopped answering, a network path gone dark, with no reset either side would notice).
/// </summary>
internal sealed class ChaosTcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _upstreamPort;
    private readonly ConcurrentDictionary<Link, byte> _links = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private volatile TaskCompletionSource _open = Opened();
    private int _accepted;

    public ChaosTcpProxy(int upstreamPort)
    {
        _upstreamPort = upstreamPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = Task.Run(AcceptAsync);
    }

    public int Port { get; }

    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>Gets how many connections the proxy has accepted (held ones included).</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Stops every byte, both ways, and holds new connections until <see cref="Thaw"/>.</summary>
    public void Freeze()
    {
        if (_open.Task.IsCompleted)
        {
            _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Lets the bytes and the held connections through again.</summary>
    public void Thaw() => _open.TrySetResult();

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
        Thaw();
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

            Interlocked.Increment(ref _accepted);
            _ = Task.Run(() => ForwardAsync(client));
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        var server = new TcpClient();
        try
        {
            await _open.Task.WaitAsync(_stop.Token);
            await server.ConnectAsync(IPAddress.Loopback, _upstreamPort);
        }
        catch (OperationCanceledException)
        {
            new Link(client, server).Close();
            return;
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
            var up = PumpAsync(client.GetStream(), server.GetStream(), done.Token);
            var down = PumpAsync(server.GetStream(), client.GetStream(), done.Token);
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

    private static TaskCompletionSource Opened()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }

    /// <summary>Copies one direction, each piece held while the proxy is frozen.</summary>
    private async Task PumpAsync(NetworkStream from, NetworkStream to, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await _open.Task.WaitAsync(cancellationToken);
            await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
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
