using System.Diagnostics;
using System.Text;
using DataGuard.Backup;
using DataGuard.Postgres.Tools;

namespace DataGuard.Postgres.Backup;

/// <summary>
/// A running pg_dump / pg_restore: its pipes, its error output (read concurrently so the pipes never deadlock, last
/// 16 KB kept, secrets removed), killed when cancelled or disposed before it ended.
/// </summary>
internal sealed class PgProcess : IAsyncDisposable
{
    private const int StderrLimit = 16 * 1024;
    private readonly Process _process;
    private readonly PgTool _tool;
    private readonly string? _secret;
    private readonly Task<string> _stderr;
    private readonly CancellationTokenRegistration _cancellation;

    private PgProcess(Process process, PgTool tool, string? secret, CancellationToken cancellationToken)
    {
        _process = process;
        _tool = tool;
        _secret = secret;
        _stderr = ReadTailAsync(process.StandardError);
        _cancellation = cancellationToken.Register(Kill);
    }

    public Stream StandardOutput => _process.StandardOutput.BaseStream;

    public Stream StandardInput => _process.StandardInput.BaseStream;

    public bool HasExited => _process.HasExited;

    /// <summary>Gets the tool's error output (its last 16 KB, secrets removed), once it has ended.</summary>
    public async Task<string> GetErrorOutputAsync() => Sanitize(await _stderr.ConfigureAwait(false));

    public static PgProcess Start(PgTool tool, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment, bool stdin, bool stdout, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(tool.Path)
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardInput = stdin,
            RedirectStandardOutput = stdout,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        var process = Process.Start(info) ?? throw new BackupFailedException($"{tool.Name} ({tool.Path}) did not start.");
        return new PgProcess(process, tool, environment.GetValueOrDefault("PGPASSWORD"), cancellationToken);
    }

    /// <summary>Waits for the tool to end; fails with its sanitized error output when it did not succeed.</summary>
    public async Task WaitForSuccessAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        var stderr = await _stderr.ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (_process.ExitCode != 0)
        {
            var output = string.IsNullOrWhiteSpace(stderr) ? "(no error output)" : stderr.Trim();
            throw new BackupFailedException($"{_tool.Name} {_tool.Version} failed (exit code {_process.ExitCode}): {Sanitize(output)}") { Operation = _tool.Name };
        }
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _cancellation.DisposeAsync().ConfigureAwait(false);
        Kill();
        try
        {
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    private static async Task<string> ReadTailAsync(StreamReader reader)
    {
        var tail = new StringBuilder();
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            tail.Append(buffer, 0, read);
            if (tail.Length > StderrLimit * 2)
            {
                tail.Remove(0, tail.Length - StderrLimit);
            }
        }

        return tail.Length > StderrLimit ? "..." + tail.ToString(tail.Length - StderrLimit, StderrLimit) : tail.ToString();
    }

    private string Sanitize(string text) =>
        string.IsNullOrEmpty(_secret) ? text : text.Replace(_secret, "***", StringComparison.Ordinal);
}
