using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace DataGuard.AspNetCore.Tests.Browser;

/// <summary>
/// A real headless Chromium (Debian's <c>chromium</c>; .ci/run installs it), started with a throwaway profile and
/// the DevTools protocol on a free port. <see cref="Find"/> says why when there is none.
/// </summary>
internal sealed partial class HeadlessChromium : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _profile;

    private HeadlessChromium(Process process, string profile, Uri devtools)
    {
        _process = process;
        _profile = profile;
        DevTools = devtools;
    }

    public Uri DevTools { get; }

    /// <summary>The browser binary: CHROMIUM_PATH, else chromium or chromium-browser on the PATH.</summary>
    public static string? Find()
    {
        if (Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } configured && File.Exists(configured))
        {
            return configured;
        }

        foreach (var name in new[] { "chromium", "chromium-browser", "google-chrome" })
        {
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
            {
                var path = Path.Combine(dir, name);
                if (File.Exists(path))
                {
                    return path;
                }
            }
        }

        return null;
    }

    public static async Task<HeadlessChromium> StartAsync()
    {
        var binary = Find() ?? throw new InvalidOperationException("No Chromium found (CHROMIUM_PATH, chromium or chromium-browser on the PATH): apt-get install chromium (.ci/run does).");
        var profile = Directory.CreateTempSubdirectory("dataguard-chromium-").FullName;
        var info = new ProcessStartInfo(binary)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            ArgumentList =
            {
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--disable-background-networking", "--disable-sync", "--disable-component-update", "--mute-audio",
                "--hide-scrollbars", "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", $"--user-data-dir={profile}", "about:blank",
            },
        };
        var process = Process.Start(info)!;
        var found = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var lines = new List<string>();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (lines)
            {
                lines.Add(e.Data);
            }

            if (DevToolsLine().Match(e.Data) is { Success: true } match)
            {
                found.TrySetResult(new Uri(match.Groups[1].Value));
            }
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            var browser = await found.Task.WaitAsync(TimeSpan.FromSeconds(30));
            return new HeadlessChromium(process, profile, new Uri($"http://{browser.Authority}"));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            string output;
            lock (lines)
            {
                output = string.Join('\n', lines.TakeLast(20));
            }

            throw new InvalidOperationException($"Chromium ({binary}) did not open its DevTools port within 30 s. Its output:\n{output}");
        }
    }

    /// <summary>Opens a new tab and connects to it.</summary>
    public async Task<CdpConnection> NewPageAsync()
    {
        using var http = new HttpClient { BaseAddress = DevTools };
        var response = await http.PutAsync("/json/new?about:blank", null);
        response.EnsureSuccessStatusCode();
        var target = await response.Content.ReadFromJsonAsync<JsonElement>();
        return await CdpConnection.ConnectAsync(new Uri(target.GetProperty("webSocketDebuggerUrl").GetString()!));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // A crash dump still being written: the temp folder is swept by the system.
        }
    }

    [GeneratedRegex(@"DevTools listening on (ws://\S+)")]
    private static partial Regex DevToolsLine();
}
