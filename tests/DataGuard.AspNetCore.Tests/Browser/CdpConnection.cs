using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DataGuard.AspNetCore.Tests.Browser;

/// <summary>A minimal Chrome DevTools Protocol client over a WebSocket: commands with ids, and events to listeners.</summary>
internal sealed class CdpConnection : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _send = new(1, 1);
    private Task? _receive;
    private int _nextId;

    public event Action<string, JsonElement>? Event;

    public static async Task<CdpConnection> ConnectAsync(Uri endpoint)
    {
        var connection = new CdpConnection();
        connection._socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await connection._socket.ConnectAsync(endpoint, CancellationToken.None);
        connection._receive = Task.Run(connection.ReceiveAsync);
        return connection;
    }

    public async Task<JsonElement> SendAsync(string method, object? parameters = null, TimeSpan? timeout = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        var completion = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = completion;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = JsonSerializer.SerializeToNode(parameters ?? new { }) };
        var bytes = Encoding.UTF8.GetBytes(message.ToJsonString());
        await _send.WaitAsync();
        try
        {
            await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        }
        finally
        {
            _send.Release();
        }

        return await completion.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
    }

    /// <summary>Evaluates an expression in the page and returns its value (JSON-serializable results only).</summary>
    public async Task<JsonElement> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new { expression, returnByValue = true, awaitPromise = true });
        if (result.TryGetProperty("exceptionDetails", out var error))
        {
            throw new InvalidOperationException($"Evaluating `{expression}` failed: {error}");
        }

        return result.GetProperty("result").TryGetProperty("value", out var value) ? value.Clone() : default;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            }
        }
        catch (WebSocketException)
        {
            // The browser is going away too.
        }

        if (_receive is not null)
        {
            await Task.WhenAny(_receive, Task.Delay(2000));
        }

        _socket.Dispose();
        _stop.Dispose();
        _send.Dispose();
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[1 << 16];
        using var message = new MemoryStream();
        try
        {
            while (!_stop.IsCancellationRequested && _socket.State == WebSocketState.Open)
            {
                var received = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, received.Count);
                if (!received.EndOfMessage)
                {
                    continue;
                }

                using (var document = JsonDocument.Parse(message.ToArray()))
                {
                    var root = document.RootElement;
                    if (root.TryGetProperty("id", out var idElement) && _pending.TryRemove(idElement.GetInt32(), out var completion))
                    {
                        if (root.TryGetProperty("error", out var error))
                        {
                            completion.TrySetException(new InvalidOperationException($"CDP error: {error}"));
                        }
                        else
                        {
                            completion.TrySetResult(root.GetProperty("result").Clone());
                        }
                    }
                    else if (root.TryGetProperty("method", out var method))
                    {
                        Event?.Invoke(method.GetString()!, root.TryGetProperty("params", out var p) ? p.Clone() : default);
                    }
                }

                message.SetLength(0);
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
        catch (WebSocketException)
        {
            // The browser closed the connection.
        }

        foreach (var pending in _pending.Values)
        {
            pending.TrySetException(new InvalidOperationException("The DevTools connection closed."));
        }
    }
}
