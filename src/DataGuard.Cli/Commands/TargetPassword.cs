using Npgsql;

namespace DataGuard.Cli.Commands;

/// <summary>
/// The password of a <c>restore --to-connection</c> target: never from the command line (every local user can read it
/// in /proc, and it stays in shell history), but from <c>--to-password-file</c> or the environment variable
/// <see cref="Variable"/>.
/// </summary>
internal static class TargetPassword
{
    public const string Variable = DataGuard.Postgres.Backup.PgConnectionEnvironment.TargetPasswordVariable;

    /// <summary>Checks the connection string holds no password, and adds the one from the file or the environment.</summary>
    /// <param name="connectionString">The connection string from the command line.</param>
    /// <param name="passwordFile">The password file, if given.</param>
    /// <param name="error">Where warnings go.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The connection string to use, with the password when one was given.</returns>
    public static async Task<string> ApplyAsync(string connectionString, string? passwordFile, TextWriter error, CancellationToken cancellationToken)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException)
        {
            // Not the parser's message: it may quote the text, and the text may hold a password.
            throw new CliUsageException("--to-connection is not a valid connection string; use the Npgsql form Host=...;Port=...;Database=...;Username=... (URIs are not accepted).");
        }

        if (!string.IsNullOrEmpty(builder.Password) || !string.IsNullOrEmpty(builder.SslPassword))
        {
            throw new CliUsageException(
                $"--to-connection holds a password ({(string.IsNullOrEmpty(builder.Password) ? "SSL Password" : "Password")}=), which was refused: every local user can read a command line (ps, /proc) and it stays in shell history. " +
                $"Remove it from the connection string and give the password in the environment variable {Variable}, or in a file with --to-password-file FILE (mode 0600).");
        }

        var password = passwordFile is null ? Environment.GetEnvironmentVariable(Variable) : await ReadFileAsync(passwordFile, error, cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(password))
        {
            builder.Password = password;
            CliLogging.AddSecret(password);
        }

        return builder.ConnectionString;
    }

    private static async Task<string> ReadFileAsync(string path, TextWriter error, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliUsageException($"Cannot read the password file '{path}': {ex.Message}");
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0)
        {
            await error.WriteLineAsync($"dataguard: warning: the password file '{path}' can be read by other users; chmod 600 it.").ConfigureAwait(false);
        }

        var password = text.Split('\n', 2)[0].TrimEnd('\r');
        return password.Length > 0 ? password : throw new CliUsageException($"The password file '{path}' is empty: its first line is the password.");
    }
}
