using System.Diagnostics;
using System.Text;
using DataGuard.Backup;
using DataGuard.Postgres.Tools;

namespace DataGuard.Postgres.Backup;

/// <summary>
/// A running pg_dump / pg_restore / pg_basebackup: its pipes, its error output (read concurrently so the pipes never
/// deadlock, last 16 KB kept, secrets removed), killed when cancelled or disposed before it ended. Its password, if
/// any, is in a password file of its own (never its environment or command line), deleted once it has ended; the
/// secrets of DataGuard's own environment are not passed on to it. On Linux it dies with its host
/// (<see cref="DataGuard.IO.ChildProcessLauncher"/>).
/// </summary>
internal sealed class PgProcess : IAsyncDisposable
{
    private const int StderrLimit = 16 * 1024;
    private readonly Process _process;
    private readonly PgTool _tool;
    private readonly string? _secret;
    private readonly PgPassfile? _passfile;
    private readonly Task<string> _stderr;
    private readonly CancellationTokenRegistration _cancellation;

    private PgProcess(Process process, PgTool tool, string? secret, PgPassfile? passfile, CancellationToken cancellationToken)
    {
        _process = process;
        _tool = tool;
        _secret = secret;
        _passfile = passfile;
        _stderr = ReadTailAsync(process.StandardError);
        _cancellation = cancellationToken.Register(Kill);
    }

    public Stream StandardOutput => _process.StandardOutput.BaseStream;

    public Stream StandardInput => _process.StandardInput.BaseStream;

    public bool HasExited => _process.HasExited;

    /// <summary>Gets the process id (a parallel dump's workers are its children).</summary>
    public int Id => _process.Id;

    /// <summary>Waits up to <paramref name="timeout"/> for the process to exit.</summary>
    /// <param name="timeout">How long at most.</param>
    /// <returns>Whether it has exited.</returns>
    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    /// <summary>Gets the tool's error output (its last 16 KB, secrets removed), once it has ended.</summary>
    public async Task<string> GetErrorOutputAsync() => Sanitize(await _stderr.ConfigureAwait(false));

    /// <summary>Starts a tool.</summary>
    /// <param name="tool">The tool.</param>
    /// <param name="arguments">Its arguments (never a password).</param>
    /// <param name="connection">The server it connects to, or <see langword="null"/> when it connects to none.</param>
    /// <param name="stdin">Whether to redirect its input.</param>
    /// <param name="stdout">Whether to redirect its output.</param>
    /// <param name="cancellationToken">Kills it.</param>
    /// <param name="environment">More variables for the tool (such as <c>PGOPTIONS</c>), never a secret.</param>
    /// <returns>The running tool.</returns>
    public static PgProcess Start(PgTool tool, IEnumerable<string> arguments, Npgsql.NpgsqlConnectionStringBuilder? connection, bool stdin, bool stdout, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? environment = null)
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

        PgConnectionEnvironment.RemoveSecrets(info.Environment);
        var password = connection is null ? null : PgConnectionEnvironment.PasswordOf(connection);
        var passfile = password is null ? null : PgPassfile.Create(password);
        try
        {
            if (connection is not null)
            {
                foreach (var (name, value) in PgConnectionEnvironment.For(connection, passfile))
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
            }

            foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            {
                info.Environment[name] = value;
            }

            // Through setpriv --pdeathsig where there is one: the tool must not run on (writing unencrypted files) once its host was killed.
            var process = DataGuard.IO.ChildProcessLauncher.Start(info);
            return new PgProcess(process, tool, password, passfile, cancellationToken);
        }
        catch
        {
            passfile?.Dispose();
            throw;
        }
    }

    /// <summary>Waits for the tool to end; fails with its sanitized error output when it did not succeed.</summary>
    public async Task WaitForSuccessAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        _passfile?.Dispose();
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

        _passfile?.Dispose();
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
