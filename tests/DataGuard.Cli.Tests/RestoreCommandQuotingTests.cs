using System.Diagnostics;
using System.Text;
using DataGuard.Cli.Commands;

namespace DataGuard.Cli.Tests;

/// <summary>The restore_command pitr restore writes, run by /bin/sh after PostgreSQL's % expansion, for a configuration path the shell could misread.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RestoreCommandQuotingTests : IDisposable
{
    private const string Segment = "000000010000000000000007";
    private readonly string _root = Directory.CreateTempSubdirectory("dataguard-restore-command-").FullName;
    private readonly string _config;

    public RestoreCommandQuotingTests()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_root, "it's a \"$(touch injected)\" `touch injected` 100% dir")).FullName;
        _config = Path.Combine(folder, "data guard.json");
        File.WriteAllText(_config, "{ not json");
        Directory.CreateDirectory(Path.Combine(_root, "pg_wal"));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task The_default_restore_command_never_runs_what_the_configuration_path_holds()
    {
        var (_, _) = await ShellAsync(PitrCommand.DefaultRestoreCommand(_config));

        Assert.False(File.Exists(Path.Combine(_root, "injected")));
    }

    [Fact]
    public async Task The_configuration_path_reaches_the_fetch_as_one_argument_exactly()
    {
        var (code, output) = await ShellAsync(PitrCommand.RestoreCommandFor(["/bin/echo"], _config));

        Assert.Equal(0, code);
        Assert.Equal($"wal fetch {Segment} pg_wal/RECOVERYXLOG --config {_config}", output.TrimEnd('\n'));
        Assert.False(File.Exists(Path.Combine(_root, "injected")));
    }

    [Fact]
    public void A_configuration_path_with_a_newline_is_refused_naming_it()
    {
        var error = Assert.Throws<CliUsageException>(() => PitrCommand.RestoreCommandFor(["/bin/echo"], "/etc/a\nb.json"));
        Assert.Contains("/etc/a\\nb.json", error.Message, StringComparison.Ordinal);
    }

    /// <summary>PostgreSQL's expansion (%f, %p, %% to %), then /bin/sh in the data directory, as the server runs restore_command.</summary>
    private async Task<(int Code, string Output)> ShellAsync(string command)
    {
        var expanded = new StringBuilder();
        for (var i = 0; i < command.Length; i++)
        {
            if (command[i] == '%' && i + 1 < command.Length)
            {
                var next = command[++i];
                expanded.Append(next switch { 'f' => Segment, 'p' => "pg_wal/RECOVERYXLOG", '%' => "%", _ => "%" + next });
            }
            else
            {
                expanded.Append(command[i]);
            }
        }

        var start = new ProcessStartInfo("/bin/sh") { WorkingDirectory = _root, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(expanded.ToString());
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        await error;
        return (process.ExitCode, await output);
    }
}
