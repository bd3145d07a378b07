namespace DataGuard.IntegrationTests.Infrastructure;

/// <summary>
/// Starts throwaway services with scripts/services.sh (the same logic developers, CI and the demo use), in a state
/// folder of this test run's own, and stops them when the test process exits.
/// </summary>
public static class ServicesScript
{
    private static readonly string StateDir = Path.Combine(Path.GetTempPath(), $"dataguard-tests-{Environment.ProcessId}");
    private static readonly object Gate = new();
    private static readonly HashSet<string> Started = [];

    public static async Task<IReadOnlyDictionary<string, string>> StartAsync(string service)
    {
        var (code, output, error) = await ProcessRunner.RunAsync(
            "bash",
            [RepositoryPaths.ServicesScript, "start", service],
            new Dictionary<string, string> { ["DATAGUARD_STATE_DIR"] = StateDir });
        if (code != 0)
        {
            throw new InvalidOperationException($"scripts/services.sh start {service} failed (exit {code}): {error.Trim()}");
        }

        lock (Gate)
        {
            if (Started.Count == 0)
            {
                AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop();
            }

            Started.Add(service);
        }

        return ParseExports(output);
    }

    public static Dictionary<string, string> ParseExports(string output)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!line.StartsWith("export ", StringComparison.Ordinal))
            {
                continue;
            }

            var assignment = line["export ".Length..];
            var equals = assignment.IndexOf('=', StringComparison.Ordinal);
            values[assignment[..equals]] = assignment[(equals + 1)..].Trim('\'');
        }

        return values;
    }

    private static void Stop()
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("bash")
        {
            ArgumentList = { RepositoryPaths.ServicesScript, "stop" },
            Environment = { ["DATAGUARD_STATE_DIR"] = StateDir },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        });
        process?.WaitForExit(30_000);
    }
}
