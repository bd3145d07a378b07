using System.Collections.Concurrent;
using System.Text.Json;

namespace DataGuard.AspNetCore.Tests.Browser;

/// <summary>A Chromium tab that records console messages, exceptions, CSP reports and failed requests while it loads pages.</summary>
internal sealed class BrowserPage : IAsyncDisposable
{
    private readonly CdpConnection _cdp;
    private TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private BrowserPage(CdpConnection cdp)
    {
        _cdp = cdp;
        _cdp.Event += OnEvent;
    }

    /// <summary>Gets the problems seen since the last <see cref="GoToAsync"/>: console errors and warnings, exceptions, failed or error responses.</summary>
    public ConcurrentQueue<string> Problems { get; } = new();

    public CdpConnection Cdp => _cdp;

    public static async Task<BrowserPage> OpenAsync(HeadlessChromium browser, IReadOnlyDictionary<string, string> headers)
    {
        var page = new BrowserPage(await browser.NewPageAsync());
        foreach (var domain in new[] { "Page", "Runtime", "Log", "Network" })
        {
            await page._cdp.SendAsync(domain + ".enable");
        }

        await page._cdp.SendAsync("Network.setExtraHTTPHeaders", new { headers });
        return page;
    }

    public async Task GoToAsync(Uri url)
    {
        Problems.Clear();
        _loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var navigation = await _cdp.SendAsync("Page.navigate", new { url = url.ToString() });
        if (navigation.TryGetProperty("errorText", out var error) && error.GetString() is { Length: > 0 } text)
        {
            throw new InvalidOperationException($"Navigating to {url} failed: {text}");
        }

        await _loaded.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await Task.Delay(300);   // late console messages and CSP reports
    }

    public async Task SetViewportAsync(int width, int height, bool mobile, string colorScheme = "light")
    {
        await _cdp.SendAsync("Emulation.setDeviceMetricsOverride", new { width, height, deviceScaleFactor = 1, mobile });
        await _cdp.SendAsync("Emulation.setEmulatedMedia", new { features = new[] { new { name = "prefers-color-scheme", value = colorScheme } } });
    }

    /// <summary>A PNG of the whole page (at most 6000 px high).</summary>
    public async Task<byte[]> ScreenshotAsync()
    {
        var metrics = await _cdp.SendAsync("Page.getLayoutMetrics");
        var size = metrics.GetProperty("cssContentSize");
        var width = size.GetProperty("width").GetDouble();
        var height = Math.Min(6000, size.GetProperty("height").GetDouble());
        var shot = await _cdp.SendAsync("Page.captureScreenshot", new { format = "png", captureBeyondViewport = true, clip = new { x = 0, y = 0, width, height, scale = 1 } });
        return Convert.FromBase64String(shot.GetProperty("data").GetString()!);
    }

    public async Task PressTabAsync()
    {
        await _cdp.SendAsync("Input.dispatchKeyEvent", new { type = "keyDown", key = "Tab", code = "Tab", windowsVirtualKeyCode = 9, nativeVirtualKeyCode = 9 });
        await _cdp.SendAsync("Input.dispatchKeyEvent", new { type = "keyUp", key = "Tab", code = "Tab", windowsVirtualKeyCode = 9, nativeVirtualKeyCode = 9 });
    }

    public ValueTask DisposeAsync() => _cdp.DisposeAsync();

    private void OnEvent(string method, JsonElement data)
    {
        switch (method)
        {
            case "Page.loadEventFired":
                _loaded.TrySetResult();
                break;
            case "Runtime.consoleAPICalled" when data.GetProperty("type").GetString() is "error" or "warning" or "assert":
                Problems.Enqueue($"console.{data.GetProperty("type").GetString()}: {data.GetProperty("args")}");
                break;
            case "Runtime.exceptionThrown":
                Problems.Enqueue($"exception: {data.GetProperty("exceptionDetails")}");
                break;
            case "Log.entryAdded" when data.GetProperty("entry").GetProperty("level").GetString() is "error" or "warning":
                var entry = data.GetProperty("entry");
                Problems.Enqueue($"log ({entry.GetProperty("source").GetString()}, {entry.GetProperty("level").GetString()}): {entry.GetProperty("text").GetString()} {(entry.TryGetProperty("url", out var u) ? u.GetString() : string.Empty)}");
                break;
            case "Network.loadingFailed":
                Problems.Enqueue($"request failed: {data.GetProperty("errorText").GetString()} {(data.TryGetProperty("blockedReason", out var reason) ? reason.GetString() : string.Empty)}");
                break;
            case "Network.responseReceived" when data.GetProperty("response").GetProperty("status").GetInt32() >= 400:
                Problems.Enqueue($"HTTP {data.GetProperty("response").GetProperty("status").GetInt32()}: {data.GetProperty("response").GetProperty("url").GetString()}");
                break;
        }
    }
}
