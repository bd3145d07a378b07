using System.Diagnostics;
using System.Text;
using DataGuard.IntegrationTests.Pitr;

namespace DataGuard.IntegrationTests.Chaos;

/// <summary>The built dataguard CLI running as a process of its own, so that it can be killed with SIGKILL like a real deployment's.</summary>
internal sealed class ChaosProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();

    private ChaosProcess(Process process, string commandLine)
    {
        _process = process;
        CommandLine = commandLine;
    }

    public string CommandLine { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public bool Killed { get; private set; }

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public string Error
    {
        get
        {
            lock (_error)
            {
                return _error.ToString();
            }
        }
    }

    public static ChaosProcess Start(IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        // SIGINT at its default: a test run started in the background (`cmd &` in a script, nohup) ignores it, every
        // child inherits that, and .NET keeps a signal ignored at start-up ignored: Interrupt() would not reach the CLI.
        // The same dotnet the tests run under (DOTNET_HOST_PATH, set by the SDK), not the first one on PATH.
        var info = new ProcessStartInfo("/usr/bin/env") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        info.ArgumentList.Add("--default-signal=INT");
        info.ArgumentList.Add(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet");
        info.ArgumentList.Add(PitrTestCluster.Cli);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
        var chaos = new ChaosProcess(process, "dataguard " + string.Join(' ', info.ArgumentList.Skip(3)));   // after env's option, dotnet and the CLI's path
        process.OutputDataReceived += (_, e) => Append(chaos._output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(chaos._error, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return chaos;
    }

    /// <summary>Runs the CLI to its end.</summary>
    public static async Task<ChaosProcess> RunAsync(IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        var process = Start(arguments);
        await process.WaitAsync(timeout ?? TimeSpan.FromMinutes(2));
        return process;
    }

    /// <summary>SIGKILL: the process gets no chance to clean up. Its children (pg_dump, pg_restore) are left to find their pipes broken.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            Killed = true;
            _process.Kill(entireProcessTree: false);
        }
    }

    /// <summary>What a process that does not end is doing, for the failure message: its threads' states and its TCP connections (peer, queues, timers).</summary>
    private async Task<string> DescribeStuckAsync()
    {
        try
        {
            var pid = _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var threads = Directory.EnumerateDirectories($"/proc/{pid}/task")
                .Select(t => File.ReadAllText(Path.Combine(t, "stat")))
                .Select(stat => stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0])
                .GroupBy(state => state)
                .Select(g => $"{g.Count()} {g.Key}");
            using var ss = Process.Start(new ProcessStartInfo("ss", ["-tnpoH"]) { RedirectStandardOutput = true })!;
            var sockets = (await ss.StandardOutput.ReadToEndAsync()).Split('\n').Where(l => l.Contains($"pid={pid},", StringComparison.Ordinal)).Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(8)));
            return $"threads [{string.Join(", ", threads)}], TCP [{string.Join("; ", sockets)}].";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return $"(not readable: {ex.Message})";
        }
    }

    /// <summary>Sends SIGINT, as Ctrl+C would.</summary>
    public void Interrupt()
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
        }
    }

    public async Task WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            var state = await DescribeStuckAsync();
            Kill();
            await _process.WaitForExitAsync();
            throw new TimeoutException($"{CommandLine} did not end within {timeout.TotalSeconds} s; killed. Where it was: {state} Output: {Tail(Output)} Error: {Tail(Error)}");
        }

        // The asynchronous readers may still be draining: WaitForExit() without a timeout waits for them.
        _process.WaitForExit();
    }

    public string Describe() => HasExited
        ? $"{CommandLine}: {(Killed ? "killed (SIGKILL)" : $"exit {ExitCode}")}; stdout: {Tail(Output)}; stderr: {Tail(Error)}"
        : $"{CommandLine}: still running";

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    internal static string Tail(string text) => text.Length <= 1500 ? text.Trim() : "..." + text[^1500..].Trim();

    private static void Append(StringBuilder builder, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (builder)
        {
            builder.AppendLine(line);
        }
    }
}
