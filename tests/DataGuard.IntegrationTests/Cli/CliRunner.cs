using System.Text.Json;
using DataGuard.Cli;

namespace DataGuard.IntegrationTests.Cli;

/// <summary>Runs the dataguard CLI in-process with a configuration file of the test's own.</summary>
public sealed class CliRunner : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"dataguard-cli-{Guid.NewGuid():N}");

    public CliRunner() => Directory.CreateDirectory(_folder);

    public string Folder => _folder;

    public string WriteConfig(object dataGuardSection)
    {
        var path = Path.Combine(_folder, "dataguard.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new { DataGuard = dataGuardSection }));
        return path;
    }

    public async Task<CliResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApplication.RunAsync(args, output, error);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}

public sealed record CliResult(int ExitCode, string Output, string Error)
{
    public string All => Output + Error;
}
